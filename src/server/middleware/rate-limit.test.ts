import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../protection/rate-limit.ts';
import { errorCatalogue, KeelError } from '../../errors/index.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { Store } from '../../store/store.ts';
import { createFakeClock, type FakeClock } from '../../testing/fake-clock.ts';
import { endUserOf, rateLimit } from './rate-limit.ts';

let directory: string;
let store: Store;
let clock: FakeClock;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keel-rate-limit-middleware-'));
  store = createSqliteStore({ path: join(directory, 'keel.db') });
  await store.migrate();
  clock = createFakeClock(new Date('2030-01-01T00:00:00.000Z'));
});

afterEach(async () => {
  await store.close();
  await rm(directory, { recursive: true, force: true });
});

/** Tenant from one header and end user from another: stand-ins for authentication and the body. */
function appWith(limiter = createRateLimiter({ store, now: clock.now, limitsCacheMs: 0 })) {
  const app = new Hono();
  app.use(
    '*',
    rateLimit({
      limiter,
      identify: (c) => {
        const userId = c.req.header('x-user');
        return userId === undefined ? undefined : { tenantId: c.req.header('x-tenant') ?? 'acme', userId };
      },
    }),
  );
  app.get('/v1/runs', (c) => c.json({ ok: true }));
  app.onError((error, c) => c.json({ error: KeelError.isInstance(error) ? error.toJSON() : { code: 'INTERNAL', message: 'x' } }, 500));
  return app;
}

const as = (userId: string, tenant = 'acme') => ({ headers: { 'x-user': userId, 'x-tenant': tenant } });

describe('rateLimit middleware', () => {
  it("answers 429 RATE_LIMITED with Retry-After once the user's requests are used up", async () => {
    await store.setTenantLimits('acme', { userRequests: { limit: 2, windowMs: 60_000 } });
    const app = appWith();

    const first = await app.request('/v1/runs', as('alice'));
    expect(first.status).toBe(200);
    expect([first.headers.get('x-ratelimit-limit'), first.headers.get('x-ratelimit-remaining')]).toEqual(['2', '1']);
    expect((await app.request('/v1/runs', as('alice'))).headers.get('x-ratelimit-remaining')).toBe('0');

    clock.advance(15_000);
    const refused = await app.request('/v1/runs', as('alice'));
    expect(refused.status).toBe(429);
    expect(refused.status).toBe(errorCatalogue.RATE_LIMITED.status);
    // Both requests count until the window ends at 60 s, then must weigh half: 30 s more.
    expect(refused.headers.get('retry-after')).toBe('75');
    expect(await refused.json()).toEqual({
      error: {
        code: 'RATE_LIMITED',
        message: 'This user has reached the limit of 2 requests per 60 s',
        details: { limit: 'requests', max: 2, windowSeconds: 60, retryAfterSeconds: 75 },
      },
    });

    // Other users, and the same user id in another tenant, are counted apart.
    expect((await app.request('/v1/runs', as('bob'))).status).toBe(200);
    expect((await app.request('/v1/runs', as('alice', 'globex'))).status).toBe(200);
    clock.advance(75_000);
    expect((await app.request('/v1/runs', as('alice'))).status).toBe(200);
  });

  it('lets requests it cannot attribute through uncounted, without headers', async () => {
    await store.setTenantLimits('acme', { userRequests: { limit: 1, windowMs: 60_000 } });
    const app = appWith();
    for (let index = 0; index < 3; index += 1) {
      const response = await app.request('/v1/runs');
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    }
  });

  it("leaves other failures to the app's error handler", async () => {
    const app = appWith({
      admit: () => Promise.reject(new KeelError({ code: 'STORE_UNAVAILABLE', message: 'The store is closed' })),
      recordTokens: () => Promise.resolve(),
    });
    const response = await app.request('/v1/runs', as('alice'));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'STORE_UNAVAILABLE', message: 'The store is closed' } });
  });
});

describe('endUserOf', () => {
  const app = new Hono();
  app.all('/v1/*', async (c) => {
    const userId = (await endUserOf(c)) ?? null;
    // The route can still read the body after it.
    const body = c.req.header('content-type') === 'application/json' ? await c.req.text() : '';
    return c.json({ userId, body });
  });
  const post = (body: string, contentType = 'application/json') => app.request('/v1/runs', { method: 'POST', headers: { 'content-type': contentType }, body });

  it('finds the user in ?userId=, in a JSON body as userId or as OpenAI user', async () => {
    expect(await (await app.request('/v1/runs/run-1?userId=alice')).json()).toEqual({ userId: 'alice', body: '' });
    expect(await (await post('{"agent":"support","userId":"bob"}')).json()).toEqual({ userId: 'bob', body: '{"agent":"support","userId":"bob"}' });
    expect(await (await post('{"model":"support","user":"carol"}')).json()).toMatchObject({ userId: 'carol' });
  });

  it('finds nobody in a request that names no user, a body that is not JSON, or a userId that is not a string', async () => {
    expect(await (await app.request('/v1/runs')).json()).toMatchObject({ userId: null });
    expect(await (await post('{not json')).json()).toEqual({ userId: null, body: '{not json' });
    expect(await (await post('{"userId":42}')).json()).toMatchObject({ userId: null });
    expect(await (await post('userId=alice', 'application/x-www-form-urlencoded')).json()).toMatchObject({ userId: null });
  });
});
