import { afterEach, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/protection/rate-limit.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createApp, type AppOptions } from '../../src/server/app.ts';
import type { LoadMonitor } from '../../src/server/middleware/load-shedding.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

let api: TestApi | undefined;
let test: TestRuntime | undefined;
afterEach(async () => {
  await api?.close();
  await test?.close();
  api = undefined;
  test = undefined;
});

const greeter = () => defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' });

/** An app over a fresh runtime with the given protection options, and an app key of tenant acme. */
async function appWith(options: Pick<AppOptions, 'loadShedding' | 'rateLimiter'>) {
  test = await createTestRuntime({ agents: [greeter()] });
  const app = createApp({ runtime: test.runtime, logger: createSilentLogger(), ...options });
  const { key } = await createApiKey(test.store, { tenantId: 'acme', role: 'app', name: 'app' });
  const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${key}` }) =>
    app.request('/v1/runs', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { app, key, post, store: test.store };
}

describe('rate limits on the API', () => {
  it("answers 429 RATE_LIMITED with Retry-After once an end user's requests are used up, and creates nothing", async () => {
    api = await createTestApi({ agents: [greeter()] });
    await api.store.setTenantLimits('acme', { userRequests: { limit: 2, windowMs: 60_000 } });
    const start = (userId: string, key?: string) =>
      api!.request('POST', '/v1/runs', { body: { agent: 'greeter', input: 'hi', userId }, ...(key === undefined ? {} : { key }) });

    expect((await start('ana')).status).toBe(202);
    const second = await start('ana');
    expect([second.status, second.headers.get('x-ratelimit-limit'), second.headers.get('x-ratelimit-remaining')]).toEqual([202, '2', '0']);

    const refused = await start('ana');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({
      error: {
        code: 'RATE_LIMITED',
        message: 'This user has reached the limit of 2 requests per 60 s',
        details: { limit: 'requests', max: 2, windowSeconds: 60, retryAfterSeconds: Number(refused.headers.get('retry-after')) },
      },
    });
    // Reads name the user too, and count against the same limit.
    expect((await api.request('GET', '/v1/runs?userId=ana')).status).toBe(429);

    // Other end users, and the same user id in another tenant, have their own counts.
    expect((await start('ben')).status).toBe(202);
    expect((await start('ana', api.keys.other)).status).toBe(202);
    expect((await api.store.listRuns({ tenantId: 'acme' })).runs.map((run) => run.userId)).toEqual(['ben', 'ana', 'ana']);
  });

  it("refuses a user who has used the window's model tokens", async () => {
    api = await createTestApi({ agents: [greeter()] });
    await api.store.setTenantLimits('acme', { userTokens: { limit: 1_000, windowMs: 3_600_000 } });
    await createRateLimiter({ store: api.store }).recordTokens({ tenantId: 'acme', userId: 'ana', tokens: 1_000 });

    const refused = await api.json('POST', '/v1/runs', { body: { agent: 'greeter', input: 'hi', userId: 'ana' } });
    expect(refused).toEqual({
      status: 429,
      body: {
        error: expect.objectContaining({ code: 'RATE_LIMITED', details: expect.objectContaining({ limit: 'tokens', max: 1_000, windowSeconds: 3_600 }) }),
      },
    });
    expect((await api.request('POST', '/v1/runs', { body: { agent: 'greeter', input: 'hi', userId: 'ben' } })).status).toBe(202);
  });

  it('counts requests that name no end user against their API key', async () => {
    api = await createTestApi({ agents: [greeter()] });
    await api.store.setTenantLimits('acme', { userRequests: { limit: 1, windowMs: 60_000 } });
    expect((await api.request('GET', '/v1/runs')).status).toBe(200);
    expect((await api.request('GET', '/v1/runs')).status).toBe(429);
    expect((await api.request('GET', '/v1/runs', { key: api.keys.viewer })).status).toBe(200);
  });

  it('can be turned off', async () => {
    const { post, store } = await appWith({ rateLimiter: false });
    await store.setTenantLimits('acme', { userRequests: { limit: 1, windowMs: 60_000 } });
    for (let index = 0; index < 3; index += 1) expect((await post({ agent: 'greeter', input: 'hi', userId: 'ana' })).status).toBe(202);
  });
});

describe('load shedding on the API', () => {
  const overloaded: LoadMonitor = { sample: () => ({ eventLoopDelayMs: 0, heapRatio: 0.99 }), stop: () => undefined };

  it('answers 503 OVERLOADED with Retry-After before authenticating or reading the body, and leaves health checks alone', async () => {
    const { app, post, store } = await appWith({ loadShedding: { maxInFlight: 100, monitor: overloaded } });
    const shed = await post({ agent: 'greeter', input: 'hi', userId: 'ana' });
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(await shed.json()).toEqual({ error: { code: 'OVERLOADED', message: 'The server is overloaded; retry shortly', details: { reason: 'heap' } } });
    // Without a key it is shed all the same: nothing was spent on the request.
    expect((await post({}, {})).status).toBe(503);
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await store.listRuns({ tenantId: 'acme' })).runs).toEqual([]);
  });

  it('can be turned off', async () => {
    const { post } = await appWith({ loadShedding: false });
    expect((await post({ agent: 'greeter', input: 'hi', userId: 'ana' })).status).toBe(202);
  });
});
