import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeelError } from '../errors/index.ts';
import { defaultLimitsTenant } from '../store/limits-store.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createFakeClock, type FakeClock } from '../testing/fake-clock.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';

const minute = 60_000;
const alice = { tenantId: 'acme', userId: 'alice' };
const bob = { tenantId: 'acme', userId: 'bob' };

let directory: string;
let store: Store;
let clock: FakeClock;
let limiter: RateLimiter;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keel-rate-limit-'));
  store = createSqliteStore({ path: join(directory, 'keel.db') });
  await store.migrate();
  // The start of a minute, so "the next window" is a round number of seconds away.
  clock = createFakeClock(new Date('2030-01-01T00:00:00.000Z'));
  limiter = createRateLimiter({ store, now: clock.now, limitsCacheMs: 0 });
});

afterEach(async () => {
  await store.close();
  await rm(directory, { recursive: true, force: true });
});

/** The RATE_LIMITED error `admit` throws (fails the test when it does not throw one). */
async function refusal(subject = alice, on = limiter): Promise<KeelError> {
  const error: unknown = await on.admit(subject).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!KeelError.isInstance(error) || error.code !== 'RATE_LIMITED') throw new Error(`expected RATE_LIMITED, got ${String(error)}`);
  return error;
}

describe('createRateLimiter: requests per window', () => {
  it('admits everything when the tenant has no limits', async () => {
    for (let index = 0; index < 20; index += 1) expect(await limiter.admit(alice)).toBeUndefined();
  });

  it('admits `limit` requests per user, then refuses with a 429 KeelError carrying Retry-After seconds', async () => {
    await store.setTenantLimits('acme', { userRequests: { limit: 3, windowMs: minute } });
    expect(await limiter.admit(alice)).toEqual({ limit: 3, remaining: 2 });
    expect(await limiter.admit(alice)).toEqual({ limit: 3, remaining: 1 });
    expect(await limiter.admit(alice)).toEqual({ limit: 3, remaining: 0 });

    clock.advance(10_000);
    const error = await refusal();
    expect(error).toMatchObject({ status: 429, retryable: true, details: { limit: 'requests', max: 3, windowSeconds: 60 } });
    // All three count until the window ends; then the weight of the previous window must fall
    // to two thirds: a further 20 s.
    expect(error.retryAfterSeconds).toBe(50 + 20);
    // Another user of the same tenant has a count of their own.
    expect(await limiter.admit(bob)).toEqual({ limit: 3, remaining: 2 });
  });

  it('admits again once Retry-After has passed, not before', async () => {
    await store.setTenantLimits('acme', { userRequests: { limit: 3, windowMs: minute } });
    for (let index = 0; index < 3; index += 1) await limiter.admit(alice);
    clock.advance(10_000);
    const wait = (await refusal()).retryAfterSeconds ?? 0;

    clock.advance(wait * 1_000 - 1_000);
    await refusal();
    clock.advance(1_000);
    expect(await limiter.admit(alice)).toMatchObject({ limit: 3 });
  });

  it('starts afresh after a whole window without requests', async () => {
    await store.setTenantLimits('acme', { userRequests: { limit: 2, windowMs: minute } });
    await limiter.admit(alice);
    await limiter.admit(alice);
    await refusal();
    clock.advance(2 * minute);
    expect(await limiter.admit(alice)).toEqual({ limit: 2, remaining: 1 });
    expect(await limiter.admit(alice)).toEqual({ limit: 2, remaining: 0 });
    await refusal();
  });

  it('uses the defaults for tenants without limits of their own', async () => {
    await store.setTenantLimits(defaultLimitsTenant, { userRequests: { limit: 1, windowMs: minute } });
    await store.setTenantLimits('big-customer', { userRequests: { limit: 100, windowMs: minute } });
    await limiter.admit(alice);
    await refusal();
    for (let index = 0; index < 5; index += 1) await limiter.admit({ tenantId: 'big-customer', userId: 'alice' });
  });

  it('is exact when many requests race on two connections to one SQLite file', async () => {
    await store.setTenantLimits('acme', { userRequests: { limit: 25, windowMs: minute } });
    const second = createSqliteStore({ path: join(directory, 'keel.db') });
    try {
      const other = createRateLimiter({ store: second, now: clock.now, limitsCacheMs: 0 });
      const outcomes = await Promise.allSettled(Array.from({ length: 60 }, (_, index) => (index % 2 === 0 ? limiter : other).admit(alice)));
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(25);
      const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
      expect(refused.every((reason) => KeelError.isInstance(reason) && reason.code === 'RATE_LIMITED')).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('reads limits again once its cache has expired', async () => {
    const cachingLimiter = createRateLimiter({ store, now: clock.now, limitsCacheMs: 5_000 });
    await cachingLimiter.admit(alice);
    await store.setTenantLimits('acme', { userRequests: { limit: 1, windowMs: minute } });
    // Still the cached "no limit".
    expect(await cachingLimiter.admit(alice)).toBeUndefined();
    clock.advance(5_000);
    expect(await cachingLimiter.admit(alice)).toEqual({ limit: 1, remaining: 0 });
    await refusal(alice, cachingLimiter);
  });
});

describe('createRateLimiter: model tokens per window', () => {
  it('refuses new requests once the user has used the window’s tokens, until they slide out', async () => {
    await store.setTenantLimits('acme', { userTokens: { limit: 1_000, windowMs: minute } });
    await limiter.admit(alice);
    await limiter.recordTokens({ ...alice, tokens: 600 });
    await limiter.admit(alice);
    await limiter.recordTokens({ ...alice, tokens: 500 });

    const error = await refusal();
    expect(error.details).toEqual({ limit: 'tokens', max: 1_000, windowSeconds: 60, retryAfterSeconds: error.retryAfterSeconds });
    expect(await limiter.admit(bob)).toBeUndefined();

    // 1 100 tokens in the previous window: below 1 000 once less than 10/11 of it still weighs in.
    clock.advance(minute + 5_000);
    await refusal();
    clock.advance(1_000);
    await limiter.admit(alice);
  });

  it('does not count tokens for a tenant without a token limit, and rejects a bad count', async () => {
    await limiter.recordTokens({ ...alice, tokens: 1_000_000 });
    await store.setTenantLimits('acme', { userTokens: { limit: 10, windowMs: minute } });
    expect(await limiter.admit(alice)).toBeUndefined();
    await expect(limiter.recordTokens({ ...alice, tokens: -1 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  it('refuses everyone when the token limit is 0, without a Retry-After to promise', async () => {
    await store.setTenantLimits('acme', { userTokens: { limit: 0, windowMs: minute } });
    const error = await refusal();
    expect([error.retryAfterSeconds, error.retryable, error.details]).toEqual([undefined, false, { limit: 'tokens', max: 0, windowSeconds: 60 }]);
    clock.advance(10 * minute);
    expect((await refusal()).retryable).toBe(false);
  });
});
