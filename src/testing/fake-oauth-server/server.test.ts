import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOAuthServer, type FakeOAuthServer } from '../index.ts';

// These tests speak raw HTTP, so they check the fake server's rules independently of Keel's client.

let server: FakeOAuthServer;
beforeEach(async () => {
  server = await startFakeOAuthServer();
});
afterEach(async () => {
  await server.close();
});

const redirectUri = 'http://127.0.0.1:9/callback';
const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');

function authorizationUrl(overrides: Record<string, string> = {}): URL {
  const url = new URL(server.authorizationEndpoint);
  const parameters = {
    response_type: 'code',
    client_id: server.clientId,
    redirect_uri: redirectUri,
    scope: 'orders.read',
    state: 'state-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return url;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function token(
  form: Record<string, string>,
  authorization = basic('keel-test-client', 'keel-test-secret'),
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(server.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function codeFor(user = 'user-1'): Promise<string> {
  const callback = await server.authorize(authorizationUrl(), { user });
  return callback.searchParams.get('code') ?? '';
}

async function tokensFor(user = 'user-1'): Promise<Record<string, unknown>> {
  const answer = await token({ grant_type: 'authorization_code', code: await codeFor(user), redirect_uri: redirectUri, code_verifier: verifier });
  expect(answer.status).toBe(200);
  return answer.body;
}

describe('startFakeOAuthServer: authorization endpoint', () => {
  it('redirects the approving user to the redirect URI with a code and the state', async () => {
    const callback = await server.authorize(authorizationUrl());
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
    expect(callback.searchParams.get('state')).toBe('state-1');
    expect(callback.searchParams.get('code')).toMatch(/^fake_code_/);
  });

  it('redirects with access_denied when the user refuses, and with invalid_request without PKCE S256', async () => {
    const denied = await server.authorize(authorizationUrl(), { deny: true });
    expect([denied.searchParams.get('error'), denied.searchParams.get('state'), denied.searchParams.get('code')]).toEqual(['access_denied', 'state-1', null]);
    const plain = await server.authorize(authorizationUrl({ code_challenge_method: 'plain' }));
    expect(plain.searchParams.get('error')).toBe('invalid_request');
  });

  it('never redirects to an unknown client or an unregistered redirect URI', async () => {
    await expect(server.authorize(authorizationUrl({ client_id: 'nobody' }))).rejects.toThrow('(400)');
    const strict = await startFakeOAuthServer({ clients: [{ clientId: 'c', clientSecret: 's', redirectUris: ['https://app.example/cb'] }] });
    try {
      const url = new URL(authorizationUrl({ client_id: 'c' }).search, strict.authorizationEndpoint);
      await expect(strict.authorize(url)).rejects.toThrow('not registered');
    } finally {
      await strict.close();
    }
  });
});

describe('startFakeOAuthServer: authorization code grant', () => {
  it('exchanges a code once, with the PKCE verifier and the same redirect URI, for tokens of the approving user', async () => {
    const body = await tokensFor('alice');
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'orders.read' });
    expect(server.accessToken(body.access_token as string)).toMatchObject({ user: 'alice', clientId: 'keel-test-client', active: true });
    const userinfo = await fetch(server.userinfoEndpoint, { headers: { authorization: `Bearer ${body.access_token as string}` } });
    expect(await userinfo.json()).toEqual({ user: 'alice', scope: 'orders.read' });
  });

  it('refuses a wrong PKCE verifier, another redirect URI, a reused code and a bad client secret', async () => {
    const wrongVerifier = await token({
      grant_type: 'authorization_code',
      code: await codeFor(),
      redirect_uri: redirectUri,
      code_verifier: randomBytes(32).toString('base64url'),
    });
    expect([wrongVerifier.status, wrongVerifier.body.error, wrongVerifier.body.error_description]).toEqual([
      400,
      'invalid_grant',
      expect.stringContaining('PKCE'),
    ]);
    const missingVerifier = await token({ grant_type: 'authorization_code', code: await codeFor(), redirect_uri: redirectUri });
    expect(missingVerifier.body.error).toBe('invalid_grant');
    const otherRedirect = await token({
      grant_type: 'authorization_code',
      code: await codeFor(),
      redirect_uri: 'http://127.0.0.1:9/other',
      code_verifier: verifier,
    });
    expect([otherRedirect.body.error, otherRedirect.body.error_description]).toEqual(['invalid_grant', expect.stringContaining('redirect_uri')]);
    const code = await codeFor();
    expect((await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier })).status).toBe(200);
    expect((await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier })).body.error_description).toContain(
      'already used',
    );
    const badSecret = await token(
      { grant_type: 'authorization_code', code: await codeFor(), redirect_uri: redirectUri, code_verifier: verifier },
      basic('keel-test-client', 'wrong'),
    );
    expect([badSecret.status, badSecret.body.error]).toEqual([401, 'invalid_client']);
  });

  it('refuses an expired code', async () => {
    let now = Date.now();
    const clocked = await startFakeOAuthServer({ now: () => now, codeLifetimeSeconds: 30 });
    try {
      const callback = await clocked.authorize(new URL(authorizationUrl().search, clocked.authorizationEndpoint));
      now += 31_000;
      const response = await fetch(clocked.tokenEndpoint, {
        method: 'POST',
        headers: { authorization: basic('keel-test-client', 'keel-test-secret') },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: callback.searchParams.get('code') ?? '',
          redirect_uri: redirectUri,
          code_verifier: verifier,
        }),
      });
      expect(await response.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('expired') });
    } finally {
      await clocked.close();
    }
  });
});

describe('startFakeOAuthServer: refresh token grant', () => {
  it('rotates the refresh token and answers invalid_grant to the retired one, counting every request', async () => {
    const first = (await tokensFor()).refresh_token as string;
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: first });
    expect(refreshed.status).toBe(200);
    const second = refreshed.body.refresh_token as string;
    expect(second).toMatch(/^fake_rt_/);
    expect(second).not.toBe(first);
    const reused = await token({ grant_type: 'refresh_token', refresh_token: first });
    expect([reused.status, reused.body.error]).toEqual([400, 'invalid_grant']);
    expect((await token({ grant_type: 'refresh_token', refresh_token: second })).status).toBe(200);
    expect([server.refreshRequests, server.refreshRequestsFor(first), server.refreshRequestsFor(second)]).toEqual([3, 2, 1]);
    expect(server.tokenRequests.map((request) => [request.grantType, request.status, request.error ?? null])).toEqual([
      ['authorization_code', 200, null],
      ['refresh_token', 200, null],
      ['refresh_token', 400, 'invalid_grant'],
      ['refresh_token', 200, null],
    ]);
  });

  it('keeps the refresh token when rotation is off, and issues access tokens of the configured lifetime', async () => {
    const fixed = await startFakeOAuthServer({ rotateRefreshTokens: false, accessTokenLifetimeSeconds: 120 });
    const original = server;
    server = fixed;
    try {
      const refreshToken = (await tokensFor()).refresh_token as string;
      fixed.setAccessTokenLifetime(5);
      const refreshed = await token({ grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(refreshed.body).toMatchObject({ expires_in: 5 });
      expect(refreshed.body).not.toHaveProperty('refresh_token');
      expect((await token({ grant_type: 'refresh_token', refresh_token: refreshToken })).status).toBe(200);
    } finally {
      server = original;
      await fixed.close();
    }
  });

  it('injects faults into the next refreshes, in order, and revokes refresh tokens', async () => {
    const refreshToken = (await tokensFor()).refresh_token as string;
    server.failNextRefresh();
    server.failNextRefresh({ error: 'temporarily_unavailable' });
    expect((await token({ grant_type: 'refresh_token', refresh_token: refreshToken })).body.error).toBe('invalid_grant');
    expect((await token({ grant_type: 'refresh_token', refresh_token: refreshToken })).status).toBe(503);
    const fresh = (await token({ grant_type: 'refresh_token', refresh_token: refreshToken })).body.refresh_token as string;
    server.revokeRefreshToken(fresh);
    expect((await token({ grant_type: 'refresh_token', refresh_token: fresh })).body).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringContaining('revoked'),
    });
  });

  it('holds token answers so concurrent refreshes overlap: both arrive before either is answered, and only one wins', async () => {
    const refreshToken = (await tokensFor()).refresh_token as string;
    const release = server.holdTokenEndpoint();
    const answers = [token({ grant_type: 'refresh_token', refresh_token: refreshToken }), token({ grant_type: 'refresh_token', refresh_token: refreshToken })];
    await server.waitForTokenRequests(3);
    expect(server.tokenRequests.slice(1).map((request) => request.status)).toEqual([undefined, undefined]);
    release();
    const statuses = (await Promise.all(answers)).map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 400]);
    expect(server.refreshRequestsFor(refreshToken)).toBe(2);
  });

  it('delays token answers: a request that has arrived is not yet answered, then is', async () => {
    const refreshToken = (await tokensFor()).refresh_token as string;
    server.setTokenDelay(20);
    const answer = token({ grant_type: 'refresh_token', refresh_token: refreshToken });
    await server.waitForTokenRequests(2);
    // The arrival is announced before the delay's timer starts, and no timer fires before this line runs.
    expect(server.tokenRequests[1]?.status).toBeUndefined();
    expect((await answer).status).toBe(200);
    expect(server.tokenRequests[1]?.status).toBe(200);
  });

  it('answers unsupported grants and unknown tokens in the OAuth error format', async () => {
    expect((await token({ grant_type: 'password', username: 'a', password: 'b' })).body.error).toBe('unsupported_grant_type');
    expect((await token({ grant_type: 'refresh_token', refresh_token: 'nope' })).body.error).toBe('invalid_grant');
    const userinfo = await fetch(server.userinfoEndpoint, { headers: { authorization: 'Bearer nope' } });
    expect([userinfo.status, userinfo.headers.get('www-authenticate')]).toEqual([401, 'Bearer error="invalid_token"']);
  });
});
