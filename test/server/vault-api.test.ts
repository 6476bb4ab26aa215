import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { generateMasterKey } from '../../src/vault/master-key.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

/*
 * The vault, keys, limits and audit endpoints: tenant-scoped (another tenant's ids answer 404),
 * values in and never out. Every response body of this file is kept and scanned for the secret
 * values at the end.
 */

let api: TestApi;
const responses: string[] = [];
const secrets = ['acme-tenant-secret-0001', 'alice-shop-token-0002', 'globex-secret-0003'];

async function call(method: string, path: string, options: { key?: string; body?: unknown } = {}) {
  const response = await api.request(method, path, options);
  const text = await response.text();
  responses.push(text);
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> & { data?: Array<Record<string, unknown>> } };
}

beforeAll(async () => {
  api = await createTestApi({
    agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })],
    masterKey: generateMasterKey(),
    oauth: {
      providers: [
        {
          name: 'shop',
          authorizationEndpoint: 'https://shop.example/authorize',
          tokenEndpoint: 'https://shop.example/token',
          clientId: 'keel',
          clientSecretName: 'shop-client-secret',
          scopes: ['orders'],
          redirectUri: 'https://keel.example/oauth/shop/callback',
        },
      ],
    },
  });
});

afterAll(async () => {
  await api.close();
});

describe('credentials over HTTP', () => {
  it("sets and reads the tenant's secrets as metadata only; another tenant finds nothing", async () => {
    const created = await call('PUT', '/v1/credentials/tenant/shop-client-secret', { key: api.keys.admin, body: { value: secrets[0] } });
    expect(created).toMatchObject({ status: 201, body: { userId: null, name: 'shop-client-secret', kind: 'secret', keyVersion: 1, created: true } });
    expect((await call('PUT', '/v1/credentials/tenant/shop-client-secret', { key: api.keys.admin, body: { value: secrets[0] } })).status).toBe(200);
    expect((await call('GET', '/v1/credentials/tenant/shop-client-secret', { key: api.keys.admin })).body).toMatchObject({ name: 'shop-client-secret' });
    expect((await call('GET', '/v1/credentials/tenant', { key: api.keys.admin })).body.data?.map((record) => record.name)).toEqual(['shop-client-secret']);

    expect(await call('GET', '/v1/credentials/tenant/shop-client-secret', { key: api.keys.other })).toMatchObject({
      status: 404,
      body: { error: { code: 'CREDENTIAL_NOT_FOUND' } },
    });
    expect((await call('DELETE', '/v1/credentials/tenant/shop-client-secret', { key: api.keys.other })).status).toBe(404);
    expect((await call('GET', '/v1/credentials/tenant', { key: api.keys.other })).body.data).toEqual([]);
    expect((await api.store.getSealedCredential({ tenantId: 'acme', userId: null, name: 'shop-client-secret' }))?.sealed).not.toContain(secrets[0]);
  });

  it("lets an app key set its end users' credentials; another tenant's admin cannot see or delete them", async () => {
    expect((await call('PUT', '/v1/credentials/users/alice/shop', { key: api.keys.app, body: { value: secrets[1] } })).status).toBe(201);
    await call('PUT', '/v1/credentials/users/alice/shop', { key: api.keys.other, body: { value: secrets[2] } });
    expect((await call('GET', '/v1/credentials/users/alice', { key: api.keys.app })).body.data).toEqual([
      expect.objectContaining({ userId: 'alice', name: 'shop', createdBy: expect.stringMatching(/^key_/) }),
    ]);
    // globex's alice is another user: each tenant sees its own.
    expect((await call('GET', '/v1/credentials/users/alice', { key: api.keys.other })).body.data).toHaveLength(1);
    expect((await call('GET', '/v1/credentials/users/bob/shop', { key: api.keys.app })).status).toBe(404);
    expect((await call('DELETE', '/v1/credentials/users/alice/shop', { key: api.keys.other })).status).toBe(204);
    expect((await call('DELETE', '/v1/credentials/users/alice/shop', { key: api.keys.other })).status).toBe(404);
    expect((await call('GET', '/v1/credentials/users/alice/shop', { key: api.keys.app })).status).toBe(200);
  });

  it('refuses bad input with a 400 and stores nothing', async () => {
    expect(await call('PUT', '/v1/credentials/users/carol/shop', { key: api.keys.app, body: { value: '' } })).toMatchObject({
      status: 400,
      body: { error: { code: 'INPUT_INVALID' } },
    });
    expect((await call('PUT', '/v1/credentials/users/carol/shop', { key: api.keys.app, body: { value: 'x', extra: 1 } })).status).toBe(400);
    expect((await call('PUT', '/v1/credentials/users/carol/bad%20name', { key: api.keys.app, body: { value: 'x' } })).status).toBe(404);
    expect(await api.store.listCredentials({ tenantId: 'acme', userId: 'carol' })).toEqual([]);
  });

  it('starts an OAuth connection for a configured provider only', async () => {
    const started = await call('GET', '/v1/oauth/shop/start?userId=alice', { key: api.keys.app });
    expect(started.status).toBe(200);
    const url = new URL(String(started.body.url));
    expect(url.origin + url.pathname).toBe('https://shop.example/authorize');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(await call('GET', '/v1/oauth/calendar/start?userId=alice', { key: api.keys.app })).toMatchObject({
      status: 404,
      body: { error: { code: 'OAUTH_PROVIDER_NOT_FOUND' } },
    });
    expect(await call('GET', `/oauth/shop/callback?code=c&state=${url.searchParams.get('state')}x`)).toMatchObject({
      status: 400,
      body: { error: { code: 'OAUTH_CALLBACK_INVALID' } },
    });
  });
});

describe('keys over HTTP', () => {
  it("mints a key shown once, lists the tenant's keys without secrets, and revokes only its own tenant's", async () => {
    const created = await call('POST', '/v1/keys', { key: api.keys.admin, body: { role: 'viewer', name: 'dashboards' } });
    expect(created).toMatchObject({ status: 201, body: { role: 'viewer', name: 'dashboards', key: expect.stringMatching(/^keel_/) } });
    const key = String(created.body.key);
    const id = String(created.body.id);
    const listed = await call('GET', '/v1/keys', { key: api.keys.admin });
    expect(listed.body.data?.map((record) => record.id)).toContain(id);
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(listed.body.data?.every((record) => !('key' in record) && !('tenantId' in record))).toBe(true);
    expect((await call('GET', '/v1/keys', { key: api.keys.other })).body.data?.map((record) => record.id)).not.toContain(id);

    expect(await call('DELETE', `/v1/keys/${id}`, { key: api.keys.other })).toMatchObject({ status: 404, body: { error: { code: 'API_KEY_NOT_FOUND' } } });
    expect((await call('GET', '/v1/limits/acme', { key })).status).toBe(200);
    expect(await call('DELETE', `/v1/keys/${id}`, { key: api.keys.admin })).toMatchObject({ status: 200, body: { revokedAt: expect.any(String) } });
    expect((await call('GET', '/v1/limits/acme', { key })).status).toBe(401);
    expect((await call('POST', '/v1/keys', { key: api.keys.admin, body: { role: 'root' } })).status).toBe(400);
  });
});

describe('limits over HTTP', () => {
  it("reads and changes the caller's own tenant only", async () => {
    expect(
      await call('PUT', '/v1/limits/acme', { key: api.keys.admin, body: { maxConcurrentRuns: 7, userRequests: { limit: 30, windowMs: 60_000 } } }),
    ).toMatchObject({
      status: 200,
      body: { maxConcurrentRuns: 7, userRequests: { limit: 30, windowMs: 60_000 } },
    });
    expect((await api.store.getTenantLimits('acme')).maxConcurrentRuns).toBe(7);
    expect((await call('GET', '/v1/limits/acme', { key: api.keys.viewer })).body).toMatchObject({ maxConcurrentRuns: 7 });
    expect((await call('GET', '/v1/limits/acme', { key: api.keys.other })).status).toBe(404);
    expect((await call('PUT', '/v1/limits/acme', { key: api.keys.other, body: { maxConcurrentRuns: 1 } })).status).toBe(404);
    expect((await call('PUT', '/v1/limits/acme', { key: api.keys.admin, body: { maxConcurrentRuns: -1 } })).status).toBe(400);
    expect((await api.store.getTenantLimits('acme')).maxConcurrentRuns).toBe(7);
    expect((await call('PUT', '/v1/limits/acme', { key: api.keys.admin, body: { maxConcurrentRuns: null, userRequests: null } })).body).toMatchObject({
      maxConcurrentRuns: null,
      userRequests: null,
    });
  });
});

describe('the audit log over HTTP', () => {
  it("shows an admin its own tenant's entries, filtered and paged, and never a value", async () => {
    const all = await call('GET', '/v1/audit?limit=500', { key: api.keys.admin });
    const actions = all.body.data?.map((entry) => entry.action) ?? [];
    expect(actions).toEqual(expect.arrayContaining(['credential.create', 'credential.update', 'key.create', 'key.revoke', 'limits.update']));
    expect(actions).not.toContain('credential.delete'); // globex deleted its own alice's credential
    const globex = await call('GET', '/v1/audit?limit=500', { key: api.keys.other });
    expect(globex.body.data?.map((entry) => entry.action)).toEqual(expect.arrayContaining(['credential.create', 'credential.delete']));

    const keyEntries = await call('GET', '/v1/audit?action=key.create', { key: api.keys.admin });
    expect(keyEntries.body.data).toHaveLength(1);
    expect(keyEntries.body.data?.[0]).toMatchObject({ actor: { kind: 'key', name: 'admin' }, subject: expect.stringMatching(/^key:key_/) });

    const pages: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof call>> = await call('GET', `/v1/audit?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`, {
        key: api.keys.admin,
      });
      pages.push(...(page.body.data?.map((entry) => Number(entry.seq)) ?? []));
      cursor = page.body.nextCursor as string | null;
    } while (cursor !== null);
    expect(pages).toEqual(all.body.data?.map((entry) => Number(entry.seq)));
    expect((await call('GET', '/v1/audit?cursor=nonsense', { key: api.keys.admin })).status).toBe(400);
  });

  it('never answered a secret value', () => {
    expect(responses.length).toBeGreaterThan(30);
    for (const secret of secrets) expect(responses.filter((text) => text.includes(secret))).toEqual([]);
  });
});
