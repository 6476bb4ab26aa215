import { afterEach, describe, expect, it } from 'vitest';
import { createRateLimiter, type RateLimiter } from '../../src/protection/rate-limit.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import type { TenantLimits } from '../../src/store/limits-store.ts';
import { createFakeClock, type FakeClock } from '../../src/testing/fake-clock.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';
import { seededRandom } from './sse-client.ts';

/**
 * Retry-After on a 429 is a promise: a retry once it has passed is admitted, unless new traffic
 * used the window meanwhile; one second earlier is still refused, with a Retry-After that counts
 * down (1). Checked over HTTP with the limiter on a fake clock: for the request limit, the token
 * limit, both at once (the one that admits last decides), and for seeded random traffic.
 */
let api: TestApi | undefined;
let clock: FakeClock;
let limiter: RateLimiter;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function setup(limits: Partial<TenantLimits>): Promise<TestApi> {
  // Mid-window, so waits are not round numbers.
  clock = createFakeClock(new Date('2030-01-01T00:00:07.250Z'));
  api = await createTestApi({
    agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })],
    rateLimiter: (store) => (limiter = createRateLimiter({ store, now: clock.now, limitsCacheMs: 0 })),
  });
  await api.store.setTenantLimits('acme', limits);
  return api;
}

/** A read that names the end user, so it counts against them and changes nothing else. */
async function attempt(userId = 'ana'): Promise<{ status: number; retryAfter: number | undefined; details: Record<string, unknown> | undefined }> {
  const response = await (api as TestApi).request('GET', `/v1/runs?userId=${userId}`);
  const body = (await response.json()) as { error?: { details?: Record<string, unknown> } };
  const header = response.headers.get('retry-after');
  return { status: response.status, retryAfter: header === null ? undefined : Number(header), details: body.error?.details };
}

/** From a 429 with Retry-After R: R - 1 s later still 429 with Retry-After 1, R s later admitted. */
async function expectPromiseKept(refused: Awaited<ReturnType<typeof attempt>>, userId = 'ana'): Promise<void> {
  expect(refused.status).toBe(429);
  const wait = refused.retryAfter ?? Number.NaN;
  expect(wait).toBeGreaterThanOrEqual(1);
  // The body says what the header says.
  expect(refused.details?.retryAfterSeconds).toBe(wait);
  // Asking again at once changes nothing: the same window, the same answer.
  expect((await attempt(userId)).retryAfter).toBe(wait);
  clock.advance((wait - 1) * 1_000);
  const early = await attempt(userId);
  expect([early.status, early.retryAfter]).toEqual([429, 1]);
  clock.advance(1_000);
  expect((await attempt(userId)).status).toBe(200);
}

describe('Retry-After', () => {
  it('on the request limit: a retry after it is admitted, one second earlier is not', async () => {
    await setup({ userRequests: { limit: 3, windowMs: 60_000 } });
    for (const gap of [0, 9_100, 23_400]) {
      clock.advance(gap);
      expect((await attempt()).status).toBe(200);
    }
    await expectPromiseKept(await attempt());
  });

  it('on the token limit', async () => {
    await setup({ userTokens: { limit: 1_000, windowMs: 60_000 } });
    await limiter.recordTokens({ tenantId: 'acme', userId: 'ana', tokens: 1_300 });
    clock.advance(12_345);
    await expectPromiseKept(await attempt());
  });

  it('when both limits refuse, is the wait until both admit (tokens free up first)', async () => {
    await setup({ userRequests: { limit: 1, windowMs: 3_600_000 }, userTokens: { limit: 1_000, windowMs: 60_000 } });
    expect((await attempt()).status).toBe(200);
    await limiter.recordTokens({ tenantId: 'acme', userId: 'ana', tokens: 1_100 });
    const refused = await attempt();
    // The request limit frees up about an hour later than the token limit does.
    expect(refused.retryAfter).toBeGreaterThan(3_000);
    expect(refused.details?.limit).toBe('requests');
    await expectPromiseKept(refused);
  });

  it('when both limits refuse, is the wait until both admit (requests free up first)', async () => {
    await setup({ userRequests: { limit: 1, windowMs: 60_000 }, userTokens: { limit: 1_000, windowMs: 3_600_000 } });
    expect((await attempt()).status).toBe(200);
    await limiter.recordTokens({ tenantId: 'acme', userId: 'ana', tokens: 5_000 });
    const refused = await attempt();
    expect(refused.details?.limit).toBe('tokens');
    await expectPromiseKept(refused);
  });

  it('keeps its promise for seeded random limits and traffic', async () => {
    await setup({});
    const random = seededRandom(20_301);
    const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
    let refusals = 0;
    for (let trial = 0; trial < 40; trial += 1) {
      const limits: Partial<TenantLimits> = {
        userRequests: random() < 0.8 ? { limit: between(1, 6), windowMs: between(1, 120) * 1_000 } : null,
        userTokens: random() < 0.6 ? { limit: between(1, 5_000), windowMs: between(1, 7_200) * 1_000 } : null,
      };
      await (api as TestApi).store.setTenantLimits('acme', limits);
      const userId = `user-${trial}`;
      for (let step = 0; step < 30; step += 1) {
        clock.advance(between(0, 5_000));
        const result = await attempt(userId);
        if (result.status === 429) {
          refusals += 1;
          await expectPromiseKept(result, userId);
          break;
        }
        expect(result.status).toBe(200);
        if (limits.userTokens !== null && limits.userTokens !== undefined) {
          await limiter.recordTokens({ tenantId: 'acme', userId, tokens: between(0, limits.userTokens.limit) });
        }
      }
    }
    // Most trials reach a limit: the property was exercised, not skipped.
    expect(refusals).toBeGreaterThan(25);
  });

  it('is absent when a limit of 0 never admits anyone, and the refusal is not retryable', async () => {
    await setup({ userRequests: { limit: 0, windowMs: 60_000 } });
    const refused = await attempt();
    expect([refused.status, refused.retryAfter, refused.details]).toEqual([429, undefined, { limit: 'requests', max: 0, windowSeconds: 60 }]);
  });
});
