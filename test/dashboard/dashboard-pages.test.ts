import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/server/auth/api-keys.ts';
import { createDashboardTestApp, type DashboardTestApp } from './dashboard-fixture.ts';

const hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';

let test: DashboardTestApp;
let runId: string;
beforeAll(async () => {
  test = await createDashboardTestApp({
    responder: (request) =>
      request.messages.some((message) => message.role === 'tool')
        ? { text: `Done ${hostile}` }
        : { text: hostile, toolCalls: [{ name: 'lookup', arguments: { order: hostile } }] },
  });
  const started = await test.app.request('/v1/runs', {
    method: 'POST',
    headers: { authorization: `Bearer ${test.keys.app}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent: 'support', input: hostile, userId: `user ${hostile}` }),
  });
  runId = ((await started.json()) as { id: string }).id;
  await test.runtime.waitForRun(runId, { tenantId: 'acme' });
});
afterAll(async () => {
  await test.close();
});

describe('dashboard sessions', () => {
  it('sends a browser without a session to the sign-in page, coming back where it was going', async () => {
    const response = await test.ui('GET', '/ui/runs?status=failed', { as: null });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/ui/sign-in?next=${encodeURIComponent('/ui/runs?status=failed')}`);
    expect((await test.ui('POST', '/ui/sign-out', { as: null })).status).toBe(401);
    // A list refreshing itself (htmx) is sent to the sign-in page as a whole page, not swapped into the list.
    const refresh = await test.ui('GET', '/ui/runs/rows', {
      as: null,
      headers: { 'hx-request': 'true', 'hx-current-url': 'http://localhost/ui/runs?agent=support' },
    });
    expect(refresh.status).toBe(401);
    expect(refresh.headers.get('hx-redirect')).toBe(`/ui/sign-in?next=${encodeURIComponent('/ui/runs?agent=support')}`);
    expect((await test.ui('GET', '/ui/sign-in', { as: null })).status).toBe(200);
    expect((await test.ui('GET', '/ui/assets/dashboard.css', { as: null })).status).toBe(200);
  });

  it('signs in with a valid key into an HttpOnly, SameSite=Strict cookie, and refuses a wrong one', async () => {
    const wrong = await test.ui('POST', '/ui/sign-in', { as: null, form: { key: 'keel_wrongwrongwrong', next: '/ui/runs' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const wrongPage = await wrong.text();
    expect(wrongPage).toContain('not valid');
    expect(wrongPage).not.toContain('keel_wrongwrongwrong');

    const right = await test.ui('POST', '/ui/sign-in', { as: null, form: { key: test.keys.viewer, next: '/ui/runs' } });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/ui/runs');
    const cookie = right.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^keel_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);

    // Signing in and out are audited under the key, never with the key itself.
    const viewerId = (await test.store.listApiKeys({ tenantId: 'acme' })).find((record) => record.role === 'viewer')!.id;
    const cookieValue = cookie.split(';')[0]!;
    const signOut = await test.ui('POST', '/ui/sign-out', { as: null, headers: { cookie: cookieValue, 'sec-fetch-site': 'same-origin' } });
    expect(signOut.status).toBe(303);
    const audited = (await test.store.readAudit({ limit: 100, tenantId: 'acme', actorId: viewerId })).map((entry) => entry.action);
    expect(audited).toEqual(expect.arrayContaining(['dashboard.sign-in', 'dashboard.sign-out']));
    expect(JSON.stringify(await test.store.readAudit({ limit: 1000 }))).not.toContain(test.keys.viewer);

    // `next` only ever leads within the dashboard.
    for (const next of [
      'https://evil.example/',
      '//evil.example/ui/',
      '//evil.example',
      '/v1/keys',
      '/ui/\\evil',
      '/ui/\r\nx',
      '/ui/../v1/keys',
      '/ui/%2e%2e/v1/keys',
    ]) {
      const response = await test.ui('POST', '/ui/sign-in', { as: null, form: { key: test.keys.viewer, next } });
      expect(response.status, JSON.stringify(next)).toBe(303);
      expect(response.headers.get('location'), JSON.stringify(next)).toBe('/ui/');
    }
    const within = await test.ui('POST', '/ui/sign-in', { as: null, form: { key: test.keys.viewer, next: '/ui/runs/../usage?x=1' } });
    expect(within.headers.get('location')).toBe('/ui/usage?x=1');
  });

  it('ends the session of a revoked key on its next request', async () => {
    const { key, record } = await createApiKey(test.store, { tenantId: 'acme', role: 'viewer', name: 'short-lived' });
    expect((await test.ui('GET', '/ui/runs', { as: { key } })).status).toBe(200);
    await revokeApiKey(test.store, { id: record.id, actor: { kind: 'system', id: 'test', name: 'test' } });
    const response = await test.ui('GET', '/ui/runs', { as: { key } });
    expect(response.status).toBe(303);
    expect(response.headers.get('set-cookie')).toMatch(/keel_session=;/);
    const cookie = await test.sessionCookie({ key });
    expect((await test.app.request(`/v1/runs/${runId}/events`, { headers: { cookie } })).status).toBe(401);
  });

  it('refuses state-changing requests that do not come from the dashboard itself', async () => {
    const attempts: Array<Record<string, string>> = [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site', origin: 'http://other.localhost' },
      { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      {},
    ];
    for (const headers of attempts) {
      for (const [path, form] of [
        ['/ui/sign-out', {}],
        ['/ui/sign-in', { key: test.keys.admin }],
      ] as const) {
        const response = await test.app.request(`http://localhost${path}`, {
          method: 'POST',
          headers: { cookie: await test.sessionCookie('admin'), 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(form).toString(),
        });
        expect(response.status, JSON.stringify(headers)).toBe(403);
        expect(response.headers.get('set-cookie')).toBeNull();
        expect(await response.text()).toContain('FORBIDDEN');
      }
    }
    // The same request from the dashboard's own page goes through.
    expect((await test.ui('POST', '/ui/sign-out')).status).toBe(303);
    const originOnly = await test.app.request('http://localhost/ui/sign-out', {
      method: 'POST',
      headers: { cookie: await test.sessionCookie('admin', { fresh: true }), origin: 'http://localhost' },
    });
    expect(originOnly.status).toBe(303);
  });
});

describe('dashboard permissions, as in the API', () => {
  it('shows each role the pages its permissions allow, and answers 403 for the others', async () => {
    const expected: Record<string, Record<string, number>> = {
      admin: { '/ui/': 200, '/ui/runs': 200, '/ui/usage': 200, '/ui/alerts': 200 },
      viewer: { '/ui/': 200, '/ui/runs': 200, '/ui/usage': 200, '/ui/alerts': 200 },
      reviewer: { '/ui/': 200, '/ui/runs': 200, '/ui/usage': 403, '/ui/alerts': 200 },
      app: { '/ui/': 200, '/ui/runs': 200, '/ui/usage': 403, '/ui/alerts': 403 },
    };
    for (const [role, pages] of Object.entries(expected)) {
      for (const [path, status] of Object.entries(pages)) {
        const response = await test.ui('GET', path, { as: role as 'admin' });
        expect(response.status, `${role} ${path}`).toBe(status);
        if (status === 403) expect(await response.text()).toContain(path === '/ui/usage' ? 'usage:read' : 'alerts:read');
      }
    }
    const appNav = await (await test.ui('GET', '/ui/runs', { as: 'app' })).text();
    expect(appNav).not.toContain('href="/ui/usage"');
    expect(appNav).toContain('href="/ui/approvals"');
    const viewerNav = await (await test.ui('GET', '/ui/runs', { as: 'viewer' })).text();
    expect(viewerNav).toContain('href="/ui/usage"');
    expect(viewerNav).toContain('href="/ui/escalations"');
  });

  it("keeps tenants apart: another tenant's run is not found and its runs are not listed", async () => {
    expect((await test.ui('GET', `/ui/runs/${runId}`, { as: 'other' })).status).toBe(404);
    expect(await (await test.ui('GET', '/ui/runs', { as: 'other' })).text()).not.toContain(runId);
    expect(await (await test.ui('GET', '/ui/runs', { as: 'viewer' })).text()).toContain(runId);
  });
});

describe('dashboard pages', () => {
  it('shows hostile run content as text on every page: no markup from a run reaches the page', async () => {
    for (const path of ['/ui/runs', `/ui/runs/${runId}`, `/ui/runs/${runId}/live?after=0`, '/ui/runs/rows', `/ui/usage?groupBy=user`]) {
      const response = await test.ui('GET', path);
      expect(response.status, path).toBe(200);
      const page = await response.text();
      expect(page, path).not.toContain('<script>alert');
      expect(page, path).not.toContain('<img src=x');
      expect(page, path).toMatch(/&lt;script&gt;alert\(1\)&lt;\/script&gt;|&lt;img src=x/);
    }
  });

  it('sends a Content-Security-Policy that allows no inline script, and the pages carry none', async () => {
    for (const path of ['/ui/', '/ui/runs', `/ui/runs/${runId}`, '/ui/usage', '/ui/alerts', '/ui/sign-in']) {
      const response = await test.ui('GET', path);
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("default-src 'none'");
      expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
      expect(policy).not.toContain('unsafe-inline');
      expect(policy).toContain("frame-ancestors 'none'");
      const page = await response.text();
      for (const [tag] of page.matchAll(/<script\b[^>]*>/g)) expect(tag, path).toMatch(/\bsrc="\/ui\/assets\/[\w.-]+"|type="application\/json"/);
      expect(page).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i);
      expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });

  it('renders a run timeline with the model call, the tool call with its arguments and result, and the end', async () => {
    const page = await (await test.ui('GET', `/ui/runs/${runId}`)).text();
    for (const text of ['Run started', 'Model call: openai:fake-model', 'Tool call: lookup', 'Tool result: lookup', 'Run completed', 'shipped']) {
      expect(page).toContain(text);
    }
    expect(page).toContain('data-live="false"');
  });

  it('answers an unknown or malformed run id with the 404 page', async () => {
    for (const path of ['/ui/runs/run_doesnotexist', '/ui/runs/%00bad', '/ui/runs/run_x/live', '/ui/no-such-page']) {
      const response = await test.ui('GET', path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      expect(await response.text()).toMatch(/RUN_NOT_FOUND|ROUTE_NOT_FOUND/);
    }
  });

  it('answers malformed filters with a 400 page naming the filter, never with an empty list', async () => {
    for (const [path, field] of [
      ['/ui/runs?status=bogus', 'status'],
      ['/ui/runs?from=yesterday', 'from'],
      ['/ui/runs?to=2026-13-45T99:99', 'to'],
      ['/ui/runs?cursor=%21%21%21', 'cursor'],
      ['/ui/runs?colour=blue', ''],
      ['/ui/?range=1y', 'range'],
      ['/ui/usage?groupBy=planet', 'groupBy'],
      [`/ui/runs/${runId}/live?after=-1`, 'after'],
      ['/ui/alerts?cursor=nonsense', ''],
      // A field given twice is refused, whichever value comes first.
      ['/ui/runs?status=completed&status=bogus', 'status'],
      ['/ui/runs?status=bogus&status=completed', 'status'],
      ['/ui/?range=24h&range=7d', 'range'],
      // Times the calendar does not hold as written, or outside both stores' range.
      ['/ui/runs?from=0000-01-01T00:00', 'from'],
      ['/ui/usage?from=0000-01-01T00:00', 'from'],
      ['/ui/runs?to=2026-02-31T00:00', 'to'],
      ['/ui/runs?to=2026-12-01T24:00', 'to'],
      ['/ui/runs?to=2026-12-01T10:00%2B15:00', 'to'],
      ['/ui/runs?to=2026-12-01T10:00%2B14:30', 'to'],
      ['/ui/runs?from=0001-01-01T00:00%2B01:00', 'from'],
      // Unknown fields on the inbox and the escalations, as on every other page.
      ['/ui/approvals?colour=blue', ''],
      ['/ui/escalations?colour=blue', ''],
    ] as const) {
      const response = await test.ui('GET', path);
      expect(response.status, path).toBe(400);
      const page = await response.text();
      expect(page).toContain('INPUT_INVALID');
      if (field !== '') expect(page, path).toContain(`"${field}"`.replace(/"/g, '&quot;'));
    }
  });

  it('filters runs by status, agent, user and creation time', async () => {
    const has = async (query: string) => (await (await test.ui('GET', `/ui/runs?${query}`)).text()).includes(`data-run-id="${runId}"`);
    expect(await has('status=completed')).toBe(true);
    expect(await has('status=failed')).toBe(false);
    expect(await has('agent=support')).toBe(true);
    expect(await has('agent=billing')).toBe(false);
    expect(await has(`user=${encodeURIComponent(`user ${hostile}`)}`)).toBe(true);
    expect(await has('user=someone-else')).toBe(false);
    expect(await has('from=2000-01-01T00:00')).toBe(true);
    expect(await has('to=2000-01-01T00:00')).toBe(false);
  });

  it('serves only the assets it lists', async () => {
    for (const path of ['/ui/assets/../package.json', '/ui/assets/%2e%2e%2fpackage.json', '/ui/assets/index.ts', '/ui/assets/constructor']) {
      const response = await test.ui('GET', path, { as: null });
      // Not served: a 404, or, for a path the URL parser normalised out of /ui/assets/, the sign-in redirect.
      expect([303, 404], path).toContain(response.status);
      expect(await response.text()).not.toContain('"name": "keel"');
    }
    const css = await test.ui('GET', '/ui/assets/dashboard.css', { as: null });
    const etag = css.headers.get('etag') ?? '';
    expect((await test.ui('GET', '/ui/assets/dashboard.css', { as: null, headers: { 'if-none-match': etag } })).status).toBe(304);
  });
});

describe('the run event stream with the session cookie', () => {
  it("accepts the cookie for reading a run's events, and for nothing else of the API", async () => {
    const cookie = { cookie: await test.sessionCookie('viewer') };
    const stream = await test.app.request(`/v1/runs/${runId}/events`, { headers: cookie });
    expect(stream.status).toBe(200);
    expect(await stream.text()).toContain('event: run-end');
    expect((await test.app.request(`/v1/runs/${runId}`, { headers: cookie })).status).toBe(401);
    const write = await test.app.request('/v1/runs', {
      method: 'POST',
      headers: { ...cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ agent: 'support', input: 'hi', userId: 'u' }),
    });
    expect(write.status).toBe(401);
    expect((await test.app.request(`/v1/runs/${runId}/events`, { headers: { cookie: 'keel_session=keel_nonsense' } })).status).toBe(401);
  });
});
