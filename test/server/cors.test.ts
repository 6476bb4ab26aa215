import { afterEach, describe, expect, it } from 'vitest';
import { KeelError } from '../../src/errors/index.ts';
import { corsOriginsFrom } from '../../src/keel-env.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

/**
 * CORS for browser apps: off unless origins are listed; a listed origin's preflight is answered
 * without a key and without counting against any limit; its answers, errors included, can be
 * read by the page (Access-Control-Allow-Origin, and the headers it needs exposed).
 */
let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const app = 'https://app.example.com';
const setup = async (corsOrigins?: string[]) =>
  (api = await createTestApi({
    agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })],
    ...(corsOrigins === undefined ? {} : { corsOrigins }),
  }));

const preflight = (test: TestApi, origin: string) =>
  test.request('OPTIONS', '/v1/runs', {
    key: null,
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-keel-session-id' },
  });

describe('CORS', () => {
  it('is off by default: no preflight answer, no Access-Control headers', async () => {
    const test = await setup();
    const answer = await preflight(test, app);
    expect(answer.status).toBe(405);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    const read = await test.request('GET', '/v1/runs', { headers: { origin: app } });
    expect([read.status, read.headers.get('access-control-allow-origin')]).toEqual([200, null]);
  });

  it('answers a listed origin’s preflight without a key, counting nothing', async () => {
    const test = await setup([app, 'http://localhost:5173']);
    await test.store.setTenantLimits('*', { userRequests: { limit: 1, windowMs: 60_000 } });
    for (let index = 0; index < 3; index += 1) {
      const answer = await preflight(test, app);
      expect(answer.status).toBe(204);
      expect(answer.headers.get('access-control-allow-origin')).toBe(app);
      expect(answer.headers.get('access-control-allow-methods')?.split(',')).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE']));
      expect(answer.headers.get('access-control-allow-headers')).toBe('authorization,content-type,x-keel-session-id');
      expect(answer.headers.get('vary')).toMatch(/Origin/);
    }
    // Preflights used none of the key's single request.
    expect((await test.request('GET', '/v1/runs', { headers: { origin: app } })).status).toBe(200);
  });

  it('lets the page read answers and errors, with the headers it needs exposed', async () => {
    const test = await setup([app]);
    // Before the first request: the limiter keeps a tenant's limits for a few seconds.
    await test.store.setTenantLimits('acme', { userRequests: { limit: 1, windowMs: 60_000 } });
    const read = await test.request('GET', '/v1/runs', { headers: { origin: app } });
    expect(read.headers.get('access-control-allow-origin')).toBe(app);
    expect(read.headers.get('access-control-expose-headers')?.split(',')).toEqual(
      expect.arrayContaining(['Retry-After', 'X-RateLimit-Remaining', 'x-request-id', 'x-keel-session-id', 'Location']),
    );
    const refused = await test.request('GET', '/v1/runs', { key: null, headers: { origin: app } });
    expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([401, app]);
    expect(await refused.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    await test.request('GET', '/v1/runs?userId=ana', { headers: { origin: app } });
    const limited = await test.request('GET', '/v1/runs?userId=ana', { headers: { origin: app } });
    expect([limited.status, limited.headers.get('access-control-allow-origin')]).toEqual([429, app]);
  });

  it('gives an origin that is not listed nothing to read', async () => {
    const test = await setup([app]);
    const answer = await preflight(test, 'https://evil.example');
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    const read = await test.request('GET', '/v1/runs', { headers: { origin: 'https://evil.example' } });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    // A near miss is a miss: origins are compared exactly.
    expect((await preflight(test, `${app}.evil.example`)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows every origin with *', async () => {
    const test = await setup(['*']);
    expect((await preflight(test, 'https://anywhere.example')).headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('KEEL_CORS_ORIGINS', () => {
  it('is a comma-separated list of origins, or *', () => {
    expect(corsOriginsFrom({})).toEqual([]);
    expect(corsOriginsFrom({ KEEL_CORS_ORIGINS: ' ' })).toEqual([]);
    expect(corsOriginsFrom({ KEEL_CORS_ORIGINS: `${app}, http://localhost:5173 ,` })).toEqual([app, 'http://localhost:5173']);
    expect(corsOriginsFrom({ KEEL_CORS_ORIGINS: '*' })).toEqual(['*']);
  });

  it.each([
    'https://app.example.com/',
    'app.example.com',
    'https://app.example.com/path',
    'HTTPS://APP.example.com',
    '*, https://a.example',
    'null',
    'file:///x',
  ])('refuses %j with CONFIG_INVALID', (value) => {
    let thrown: unknown;
    try {
      corsOriginsFrom({ KEEL_CORS_ORIGINS: value });
    } catch (error) {
      thrown = error;
    }
    expect(KeelError.isInstance(thrown) && thrown.code).toBe('CONFIG_INVALID');
  });
});
