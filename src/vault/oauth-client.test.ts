import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeelError } from '../errors/index.ts';
import { startFakeOAuthServer, type FakeOAuthServer } from '../testing/index.ts';
import { createAuthorizationRequest, exchangeAuthorizationCode, refreshAccessToken, type OAuthTokens } from './oauth-client.ts';
import type { OAuthProviderConfig } from './oauth-provider.ts';

let server: FakeOAuthServer;
beforeEach(async () => {
  server = await startFakeOAuthServer({ accessTokenLifetimeSeconds: 600 });
});
afterEach(async () => {
  await server.close();
});

const redirectUri = 'http://127.0.0.1:9/v1/oauth/shop/callback';
const now = () => 1_750_000_000_000;

function providerFor(target: FakeOAuthServer, overrides: Partial<OAuthProviderConfig> = {}): OAuthProviderConfig {
  return {
    name: 'shop',
    authorizationEndpoint: target.authorizationEndpoint,
    tokenEndpoint: target.tokenEndpoint,
    clientId: target.clientId,
    clientSecret: target.clientSecret,
    scopes: ['orders.read', 'orders.write'],
    redirectUri,
    allowInsecureRequests: true,
    ...overrides,
  };
}

/** Every error the tests provoked, checked at the end for secrets. */
const provoked: KeelError[] = [];
const seenSecrets = new Set<string>();

async function rejection(promise: Promise<unknown>): Promise<KeelError> {
  try {
    await promise;
  } catch (error) {
    if (!KeelError.isInstance(error)) throw error;
    provoked.push(error);
    return error;
  }
  throw new Error('expected a rejection');
}

/** The whole code flow: authorization URL, the user approving, the code exchanged. */
async function connect(user = 'alice', provider = providerFor(server), target = server): Promise<OAuthTokens> {
  const request = await createAuthorizationRequest({ provider });
  const callback = await target.authorize(request.url, { user });
  const tokens = await exchangeAuthorizationCode({ provider, callback, state: request.state, codeVerifier: request.codeVerifier, now });
  for (const secret of [request.codeVerifier, callback.searchParams.get('code') ?? '', tokens.accessToken, tokens.refreshToken ?? '']) seenSecrets.add(secret);
  return tokens;
}

describe('createAuthorizationRequest', () => {
  it('builds the authorization URL with state and a PKCE S256 challenge of the verifier it returns', async () => {
    const provider = providerFor(server, { authorizationParameters: { access_type: 'offline' } });
    const request = await createAuthorizationRequest({ provider });
    const url = new URL(request.url);
    expect(`${url.origin}${url.pathname}`).toBe(server.authorizationEndpoint);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      access_type: 'offline',
      response_type: 'code',
      client_id: server.clientId,
      redirect_uri: redirectUri,
      scope: 'orders.read orders.write',
      state: request.state,
      code_challenge: createHash('sha256').update(request.codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    expect(request.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(url.href).not.toContain(request.codeVerifier);
    const another = await createAuthorizationRequest({ provider });
    expect([another.state, another.codeVerifier]).not.toContain(request.state);
    expect(another.codeVerifier).not.toBe(request.codeVerifier);
  });
});

describe('exchangeAuthorizationCode', () => {
  it('runs the full code flow against the fake server: authorize, callback, exchange', async () => {
    const tokens = await connect('alice');
    expect(tokens).toEqual({
      accessToken: expect.stringMatching(/^fake_at_/),
      tokenType: 'bearer',
      expiresAt: now() + 600_000,
      refreshToken: expect.stringMatching(/^fake_rt_/),
      scopes: ['orders.read', 'orders.write'],
    });
    expect(server.accessToken(tokens.accessToken)).toMatchObject({ user: 'alice', active: true });
    const userinfo = await fetch(server.userinfoEndpoint, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(await userinfo.json()).toMatchObject({ user: 'alice' });
  });

  it('authenticates with client_secret_post, and as a public client with PKCE alone', async () => {
    expect((await connect('bob', providerFor(server, { clientAuthentication: 'client_secret_post' }))).accessToken).toMatch(/^fake_at_/);
    const publicServer = await startFakeOAuthServer({ clients: [{ clientId: 'spa' }] });
    try {
      const tokens = await connect('carol', providerFor(publicServer, { clientId: 'spa', clientSecret: undefined }), publicServer);
      expect(publicServer.accessToken(tokens.accessToken)).toMatchObject({ user: 'carol', clientId: 'spa' });
    } finally {
      await publicServer.close();
    }
  });

  it('is refused by the server when the PKCE verifier does not match: OAUTH_INVALID_GRANT', async () => {
    const provider = providerFor(server);
    const request = await createAuthorizationRequest({ provider });
    const other = await createAuthorizationRequest({ provider });
    const callback = await server.authorize(request.url);
    const error = await rejection(exchangeAuthorizationCode({ provider, callback, state: request.state, codeVerifier: other.codeVerifier }));
    expect([error.code, error.status, error.retryable, error.details]).toEqual([
      'OAUTH_INVALID_GRANT',
      401,
      false,
      { provider: 'shop', error: 'invalid_grant', status: 400 },
    ]);
    expect(error.message).toContain('PKCE');
    expect(server.tokenRequests.at(-1)).toMatchObject({ grantType: 'authorization_code', status: 400, error: 'invalid_grant' });
    seenSecrets.add(other.codeVerifier);
    seenSecrets.add(request.codeVerifier);
  });

  it('is refused by the server when the redirect URI differs from the authorization request', async () => {
    const provider = providerFor(server);
    const request = await createAuthorizationRequest({ provider });
    const callback = await server.authorize(request.url);
    const moved = providerFor(server, { redirectUri: 'http://127.0.0.1:9/elsewhere' });
    const error = await rejection(exchangeAuthorizationCode({ provider: moved, callback, state: request.state, codeVerifier: request.codeVerifier }));
    expect([error.code, error.message]).toEqual(['OAUTH_INVALID_GRANT', expect.stringContaining('redirect_uri')]);
  });

  it('refuses a callback whose state differs, one without a code, and one reporting the user’s refusal, before any token request', async () => {
    const provider = providerFor(server);
    const request = await createAuthorizationRequest({ provider });
    const callback = await server.authorize(request.url);
    const forged = await rejection(exchangeAuthorizationCode({ provider, callback, state: 'another-state', codeVerifier: request.codeVerifier }));
    expect([forged.code, forged.status, forged.details?.reason]).toEqual(['OAUTH_CALLBACK_INVALID', 400, 'state']);
    const noCode = new URL(callback);
    noCode.searchParams.delete('code');
    expect(
      (await rejection(exchangeAuthorizationCode({ provider, callback: noCode, state: request.state, codeVerifier: request.codeVerifier }))).details?.reason,
    ).toBe('code');
    const denied = await server.authorize(request.url, { deny: true });
    const refusal = await rejection(exchangeAuthorizationCode({ provider, callback: denied.href, state: request.state, codeVerifier: request.codeVerifier }));
    expect([refusal.code, refusal.details?.error]).toEqual(['OAUTH_CALLBACK_INVALID', 'access_denied']);
    expect(
      (await rejection(exchangeAuthorizationCode({ provider, callback: 'not a url', state: request.state, codeVerifier: request.codeVerifier }))).code,
    ).toBe('OAUTH_CALLBACK_INVALID');
    expect(server.tokenRequests).toHaveLength(0);
    seenSecrets.add(request.codeVerifier);
    seenSecrets.add(callback.searchParams.get('code') ?? '');
  });
});

describe('refreshAccessToken', () => {
  it('returns the new access token, its expiry and the rotated refresh token; the old one then fails with OAUTH_INVALID_GRANT', async () => {
    const first = await connect();
    const refreshed = await refreshAccessToken({ provider: providerFor(server), refreshToken: first.refreshToken ?? '', now: () => now() + 60_000 });
    seenSecrets.add(refreshed.refreshToken);
    expect(refreshed).toMatchObject({ tokenType: 'bearer', expiresAt: now() + 60_000 + 600_000, rotated: true });
    expect(refreshed.refreshToken).not.toBe(first.refreshToken);
    expect(refreshed.accessToken).not.toBe(first.accessToken);
    expect(server.accessToken(refreshed.accessToken)).toMatchObject({ user: 'alice', active: true });
    const reused = await rejection(refreshAccessToken({ provider: providerFor(server), refreshToken: first.refreshToken ?? '' }));
    expect([reused.code, reused.retryable]).toEqual(['OAUTH_INVALID_GRANT', false]);
    expect(reused.message).toContain('the user must connect "shop" again');
    expect((await refreshAccessToken({ provider: providerFor(server), refreshToken: refreshed.refreshToken })).rotated).toBe(true);
    expect([server.refreshRequests, server.refreshRequestsFor(first.refreshToken ?? '')]).toEqual([3, 2]);
  });

  it('keeps the old refresh token when the server sends none', async () => {
    const fixed = await startFakeOAuthServer({ rotateRefreshTokens: false });
    try {
      const first = await connect('alice', providerFor(fixed), fixed);
      const refreshed = await refreshAccessToken({ provider: providerFor(fixed), refreshToken: first.refreshToken ?? '' });
      expect([refreshed.refreshToken, refreshed.rotated]).toEqual([first.refreshToken, false]);
    } finally {
      await fixed.close();
    }
  });

  it('maps invalid_grant (injected, or a revoked token) to OAUTH_INVALID_GRANT', async () => {
    const { refreshToken } = await connect();
    server.failNextRefresh({ description: 'Token has been expired or revoked.' });
    const injected = await rejection(refreshAccessToken({ provider: providerFor(server), refreshToken: refreshToken ?? '' }));
    expect([injected.code, injected.status, injected.category]).toEqual(['OAUTH_INVALID_GRANT', 401, 'third-party']);
    server.revokeRefreshToken(refreshToken ?? '');
    expect((await rejection(refreshAccessToken({ provider: providerFor(server), refreshToken: refreshToken ?? '' }))).code).toBe('OAUTH_INVALID_GRANT');
  });

  it('maps other OAuth errors to OAUTH_FAILED, retryable only where the failure is transient', async () => {
    const { refreshToken } = await connect();
    const refresh = (overrides: Partial<OAuthProviderConfig> = {}) =>
      rejection(refreshAccessToken({ provider: providerFor(server, overrides), refreshToken: refreshToken ?? '' }));
    server.failNextRefresh({ error: 'temporarily_unavailable' });
    expect(await refresh()).toMatchObject({ code: 'OAUTH_FAILED', retryable: true, details: { error: 'temporarily_unavailable', status: 503 } });
    server.failNextRefresh({ error: 'server_error', status: 500 });
    expect(await refresh()).toMatchObject({ code: 'OAUTH_FAILED', retryable: true, status: 502 });
    server.failNextRefresh({ error: 'invalid_scope' });
    expect(await refresh()).toMatchObject({ code: 'OAUTH_FAILED', retryable: false, details: { error: 'invalid_scope' } });
    const badSecret = await refresh({ clientSecret: 'wrong-secret-value' });
    expect(badSecret).toMatchObject({ code: 'OAUTH_FAILED', retryable: false, details: { error: 'invalid_client', status: 401 } });
    expect(badSecret.message).toContain('invalid_client');
    const badSecretPost = await refresh({ clientSecret: 'wrong-secret-value', clientAuthentication: 'client_secret_post' });
    expect(badSecretPost).toMatchObject({ code: 'OAUTH_FAILED', retryable: false, details: { error: 'invalid_client' } });
    seenSecrets.add('wrong-secret-value');
  });

  it('maps a timeout, an abort and an unreachable server to retryable OAUTH_FAILED', async () => {
    const { refreshToken } = await connect();
    const release = server.holdTokenEndpoint();
    try {
      const timedOut = await rejection(refreshAccessToken({ provider: providerFor(server), refreshToken: refreshToken ?? '', timeoutMs: 50 }));
      expect([timedOut.code, timedOut.retryable, timedOut.message]).toEqual(['OAUTH_FAILED', true, expect.stringContaining('did not answer within 50 ms')]);
      const controller = new AbortController();
      const aborted = rejection(refreshAccessToken({ provider: providerFor(server), refreshToken: refreshToken ?? '', signal: controller.signal }));
      await server.waitForTokenRequests(3);
      controller.abort();
      expect(await aborted).toMatchObject({ code: 'OAUTH_FAILED', retryable: true });
    } finally {
      release();
    }
    const closed = await startFakeOAuthServer();
    await closed.close();
    const unreachable = await rejection(refreshAccessToken({ provider: providerFor(closed), refreshToken: refreshToken ?? '' }));
    expect([unreachable.code, unreachable.retryable, unreachable.message]).toEqual(['OAUTH_FAILED', true, expect.stringContaining('could not be reached')]);
  });

  it('refuses an empty refresh token without a request', async () => {
    expect((await rejection(refreshAccessToken({ provider: providerFor(server), refreshToken: '' }))).code).toBe('INPUT_INVALID');
    expect(server.refreshRequests).toBe(0);
  });
});

describe('token endpoints that do not speak OAuth', () => {
  let plain: Server;
  let answer: { status: number; type: string; body: string };
  afterAll(async () => {
    await new Promise((resolve) => plain.close(resolve));
  });

  it('maps a 5xx page to retryable OAUTH_FAILED, a 4xx page to a final one, and a 200 that is not a token response to a retryable one', async () => {
    plain = createServer((_request, response) => response.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const tokenEndpoint = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/token`;
    const refresh = () => rejection(refreshAccessToken({ provider: providerFor(server, { tokenEndpoint }), refreshToken: 'rt-plain-secret' }));
    answer = { status: 502, type: 'text/html', body: '<html>Bad Gateway</html>' };
    expect(await refresh()).toMatchObject({ code: 'OAUTH_FAILED', retryable: true, details: { status: 502 } });
    answer = { status: 404, type: 'text/html', body: 'Not Found' };
    expect(await refresh()).toMatchObject({ code: 'OAUTH_FAILED', retryable: false, details: { status: 404 } });
    answer = { status: 200, type: 'text/html', body: '<html>Sign in</html>' };
    expect(await refresh()).toMatchObject({ code: 'OAUTH_FAILED', retryable: true });
    // A malformed answer that echoes the refresh token: oauth4webapi's error holds the body; Keel's must not.
    answer = { status: 200, type: 'application/json', body: JSON.stringify({ token_type: 'bearer', refresh_token: 'rt-plain-secret' }) };
    expect(await refresh()).toMatchObject({ code: 'OAUTH_FAILED', retryable: true });
    // A provider that echoes the refresh token in its description: the message blanks it out.
    answer = { status: 400, type: 'application/json', body: JSON.stringify({ error: 'invalid_grant', error_description: 'token rt-plain-secret is revoked' }) };
    const echoed = await refresh();
    expect([echoed.code, echoed.message]).toEqual(['OAUTH_INVALID_GRANT', expect.stringContaining('token [redacted] is revoked')]);
    seenSecrets.add('rt-plain-secret');
  });
});

describe('OAuth error messages', () => {
  it('never contain a token, a code, a verifier or the client secret, and keep no cause that could', () => {
    expect(provoked.length).toBeGreaterThan(15);
    const secrets = [...seenSecrets, server.clientSecret ?? ''].filter((secret) => secret.length > 0);
    expect(secrets.length).toBeGreaterThan(10);
    for (const error of provoked) {
      const visible = [error.message, JSON.stringify(error), String(error.stack)].join('\n');
      for (const secret of secrets) expect(visible).not.toContain(secret);
      expect(error.cause).toBeUndefined();
    }
  });
});
