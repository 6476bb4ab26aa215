import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSessionToken } from '../../src/server/auth/session-cookie.ts';
import { createDashboardTestApp, type DashboardTestApp } from './dashboard-fixture.ts';

let test: DashboardTestApp;
let runId: string;
beforeAll(async () => {
  test = await createDashboardTestApp();
  const started = await test.app.request('/v1/runs', {
    method: 'POST',
    headers: { authorization: `Bearer ${test.keys.app}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent: 'support', input: 'Where is A-1?', userId: 'u1' }),
  });
  runId = ((await started.json()) as { id: string }).id;
  await test.runtime.waitForRun(runId, { tenantId: 'acme' });
});
afterAll(async () => {
  await test.close();
});

const signInHeaders = { origin: 'http://localhost', 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' };

async function signIn(key: string, origin = 'http://localhost'): Promise<Response> {
  return await test.app.request(`${origin}/ui/sign-in`, {
    method: 'POST',
    headers: { ...signInHeaders, origin },
    body: new URLSearchParams({ key, next: '/ui/' }).toString(),
  });
}

const events = (cookie: string) => test.app.request(`/v1/runs/${runId}/events`, { headers: { cookie } });
const page = (cookie: string) => test.app.request('http://localhost/ui/runs', { headers: { cookie } });

describe('dashboard sign-ins are kept on the server', () => {
  it('puts a random token in the cookie, never the key, and the token is no bearer for the API', async () => {
    const response = await signIn(test.keys.admin);
    expect(response.status).toBe(303);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).not.toContain(test.keys.admin);
    const [pair] = setCookie.split(';');
    const token = pair!.slice('keel_session='.length);
    // 32 random bytes, base64url.
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(setCookie).toMatch(/Max-Age=43200/);
    expect((await page(pair!)).status).toBe(200);
    expect((await events(pair!)).status).toBe(200);
    for (const path of ['/v1/runs', `/v1/runs/${runId}`, `/v1/runs/${runId}/events`]) {
      expect((await test.app.request(path, { headers: { authorization: `Bearer ${token}` } })).status, path).toBe(401);
    }
    // Only the token's hash is stored.
    expect(await test.store.findDashboardSession(hashSessionToken(token), new Date())).toMatchObject({ tenantId: 'acme', role: 'admin' });
  });

  it('no longer takes the key itself as the cookie', async () => {
    const response = await page(`keel_session=${test.keys.admin}`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/ui/sign-in?next=${encodeURIComponent('/ui/runs')}`);
    expect((await events(`keel_session=${test.keys.viewer}`)).status).toBe(401);
  });

  it('signing out makes a copy of the cookie worthless', async () => {
    const cookie = await test.sessionCookie('viewer', { fresh: true });
    expect((await page(cookie)).status).toBe(200);
    const signOut = await test.app.request('http://localhost/ui/sign-out', { method: 'POST', headers: { ...signInHeaders, cookie } });
    expect(signOut.status).toBe(303);
    expect(signOut.headers.get('set-cookie')).toMatch(/keel_session=;/);
    const replayed = await page(cookie);
    expect(replayed.status).toBe(303);
    expect(replayed.headers.get('location')).toMatch(/^\/ui\/sign-in\?next=/);
    expect((await events(cookie)).status).toBe(401);
  });

  it('signing in again from the same browser replaces its previous sign-in', async () => {
    const first = await test.sessionCookie('viewer', { fresh: true });
    const again = await test.app.request('http://localhost/ui/sign-in', {
      method: 'POST',
      headers: { ...signInHeaders, cookie: first },
      body: new URLSearchParams({ key: test.keys.viewer, next: '/ui/' }).toString(),
    });
    const second = (again.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(second).not.toBe(first);
    expect((await page(second)).status).toBe(200);
    expect((await page(first)).status).toBe(303);
  });

  it('refuses an expired sign-in', async () => {
    const keyId = (await test.store.listApiKeys({ tenantId: 'acme' })).find((key) => key.role === 'viewer')!.id;
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    await test.store.createDashboardSession({
      tokenHash: hashSessionToken(token),
      keyId,
      tenantId: 'acme',
      now: new Date(now - 13 * 3_600_000),
      expiresAt: new Date(now - 3_600_000),
    });
    expect((await page(`keel_session=${token}`)).status).toBe(303);
    expect((await events(`keel_session=${token}`)).status).toBe(401);
    // The same row, not yet expired, is accepted: the refusal is the expiry's.
    const live = randomBytes(32).toString('base64url');
    await test.store.createDashboardSession({
      tokenHash: hashSessionToken(live),
      keyId,
      tenantId: 'acme',
      now: new Date(now),
      expiresAt: new Date(now + 3_600_000),
    });
    expect((await page(`keel_session=${live}`)).status).toBe(200);
  });

  it('over HTTPS names the cookie __Host-keel_session, Secure, and takes no other name', async () => {
    const response = await signIn(test.keys.viewer, 'https://localhost');
    expect(response.status).toBe(303);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^__Host-keel_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Domain=/i);
    const token = setCookie.split(';')[0]!.slice('__Host-keel_session='.length);
    const over = (cookie: string) => test.app.request('https://localhost/ui/runs', { headers: { cookie } });
    expect((await over(`__Host-keel_session=${token}`)).status).toBe(200);
    expect((await over(`keel_session=${token}`)).status).toBe(303);
  });

  it('goes back to a dashboard path only, and never fails on a hostile next', async () => {
    const cookie = await test.sessionCookie('reviewer');
    for (const next of ['/ui/\r\nx', '/ui/../v1/keys', '//evil.example', 'https://evil.example/', '/ui/\\evil', '/ui/\u0000', '/ui/\u007f']) {
      const response = await test.app.request('http://localhost/ui/reviewer', {
        method: 'POST',
        headers: { ...signInHeaders, cookie },
        body: new URLSearchParams({ name: 'Ana', next }).toString(),
      });
      expect(response.status, JSON.stringify(next)).toBe(303);
      expect(response.headers.get('location'), JSON.stringify(next)).toBe('/ui/');
      const form = await test.app.request(`http://localhost/ui/sign-in?next=${encodeURIComponent(next)}`);
      expect(form.status, JSON.stringify(next)).toBe(200);
      expect(await form.text()).toContain('name="next" value="/ui/"');
    }
  });
});
