import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pause, readBody, sendJson } from '../fake-model-server/http-io.ts';
import { answerTokenRequest, randomToken, type OAuthState, type TokenAnswer } from './token-endpoint.ts';
import type { FakeOAuthClient, FakeOAuthServer, FakeOAuthServerOptions, FakeTokenRequest } from './types.ts';

const defaultClient: FakeOAuthClient = { clientId: 'keel-test-client', clientSecret: 'keel-test-secret' };

/**
 * Starts a real OAuth 2.0 authorization server on 127.0.0.1 for tests: an authorization endpoint
 * that a test approves as a user (`server.authorize(url)`), a token endpoint with the
 * authorization-code grant (PKCE S256 and redirect URI checked) and the refresh-token grant
 * (rotating refresh tokens; a retired one answers `invalid_grant`), a userinfo endpoint, counters,
 * and fault injection.
 *
 * @example
 * const server = await startFakeOAuthServer({ accessTokenLifetimeSeconds: 60 });
 * const callback = await server.authorize(authorizationUrl, { user: 'alice' });
 * // exchange callback's code at server.tokenEndpoint, then:
 * server.failNextRefresh(); // the next refresh answers invalid_grant
 * server.refreshRequests; // how many refreshes arrived
 * await server.close();
 */
export async function startFakeOAuthServer(options: FakeOAuthServerOptions = {}): Promise<FakeOAuthServer> {
  const clients = options.clients ?? [defaultClient];
  const state: OAuthState = {
    clients: new Map(clients.map((client) => [client.clientId, client])),
    codes: new Map(),
    refreshTokens: new Map(),
    accessTokens: new Map(),
    refreshFaults: [],
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3600,
    rotateRefreshTokens: options.rotateRefreshTokens ?? true,
    now: options.now ?? Date.now,
  };
  const codeLifetimeMs = (options.codeLifetimeSeconds ?? 60) * 1000;
  const tokenRequests: FakeTokenRequest[] = [];
  const arrivalWaiters: { count: number; resolve: () => void }[] = [];
  const sockets = new Set<Socket>();
  let tokenDelayMs = 0;
  let hold: Promise<void> | undefined;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) response.destroy();
      else sendJson(response, 500, { error: 'server_error', error_description: `Fake OAuth server failed: ${String(error)}` });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/authorize' && request.method === 'GET') return authorizeEndpoint(url.searchParams, response);
    if (url.pathname === '/token' && request.method === 'POST') return tokenEndpoint(request, response);
    if (url.pathname === '/userinfo' && request.method === 'GET') return userinfoEndpoint(request, response);
    sendJson(response, 404, { error: 'not_found', error_description: `Fake OAuth server: no route for ${request.method} ${url.pathname}` });
  }

  function authorizeEndpoint(query: URLSearchParams, response: ServerResponse): void {
    // Until the client and its redirect URI are known to be genuine, errors are shown, never redirected (RFC 6749 4.1.2.1).
    const client = state.clients.get(query.get('client_id') ?? '');
    const redirectUri = query.get('redirect_uri');
    if (client === undefined) return sendJson(response, 400, { error: 'invalid_client', error_description: 'Unknown client_id.' });
    if (redirectUri === null || !isRegistered(client, redirectUri)) {
      return sendJson(response, 400, { error: 'invalid_request', error_description: 'The redirect_uri is missing or not registered.' });
    }
    const redirect = new URL(redirectUri);
    const requestState = query.get('state');
    if (requestState !== null) redirect.searchParams.set('state', requestState);
    const fail = (error: string, description: string) => {
      redirect.searchParams.set('error', error);
      redirect.searchParams.set('error_description', description);
      response.writeHead(302, { location: redirect.href }).end();
    };
    if (query.get('response_type') !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported.');
    const codeChallenge = query.get('code_challenge');
    if (codeChallenge === null || query.get('code_challenge_method') !== 'S256')
      return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required.');
    if (query.get('fake_decision') === 'deny') return fail('access_denied', 'The user denied access.');
    const code = randomToken('fake_code_');
    state.codes.set(code, {
      clientId: client.clientId,
      redirectUri,
      codeChallenge,
      user: query.get('fake_user') ?? 'user-1',
      scope: query.get('scope') ?? '',
      expiresAt: state.now() + codeLifetimeMs,
      used: false,
    });
    redirect.searchParams.set('code', code);
    response.writeHead(302, { location: redirect.href }).end();
  }

  async function tokenEndpoint(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(request));
    const grantType = form.get('grant_type') ?? '';
    const record: FakeTokenRequest = {
      grantType,
      clientId: form.get('client_id') ?? undefined,
      refreshToken: grantType === 'refresh_token' ? (form.get('refresh_token') ?? undefined) : undefined,
      status: undefined,
      error: undefined,
    };
    // Counted on arrival, so a test sees concurrent requests while they are still held or delayed.
    tokenRequests.push(record);
    for (const waiter of arrivalWaiters.filter((candidate) => candidate.count <= tokenRequests.length)) {
      arrivalWaiters.splice(arrivalWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    if (!(await pause(tokenDelayMs, response))) return;
    if (hold !== undefined) await hold;
    if (response.destroyed) return;
    const answer: TokenAnswer = answerTokenRequest(state, form, request.headers.authorization);
    record.status = answer.status;
    record.clientId = answer.clientId ?? record.clientId;
    record.error = typeof answer.body.error === 'string' ? answer.body.error : undefined;
    sendJson(response, answer.status, answer.body, { 'cache-control': 'no-store', pragma: 'no-cache', ...answer.headers });
  }

  function userinfoEndpoint(request: IncomingMessage, response: ServerResponse): void {
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const issued = token === undefined ? undefined : state.accessTokens.get(token);
    if (issued === undefined || issued.expiresAt <= state.now()) {
      return sendJson(response, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    sendJson(response, 200, { user: issued.user, scope: issued.scope });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  let release: (() => void) | undefined;

  return {
    url,
    authorizationEndpoint: `${url}/authorize`,
    tokenEndpoint: `${url}/token`,
    userinfoEndpoint: `${url}/userinfo`,
    clientId: clients[0]?.clientId ?? '',
    clientSecret: clients[0]?.clientSecret,
    async authorize(authorizationUrl, approval = {}) {
      const target = new URL(authorizationUrl);
      target.searchParams.set('fake_user', approval.user ?? 'user-1');
      if (approval.deny === true) target.searchParams.set('fake_decision', 'deny');
      const answer = await fetch(target, { redirect: 'manual' });
      const location = answer.headers.get('location');
      if (answer.status !== 302 || location === null) {
        throw new Error(`Fake OAuth server: the authorization request was refused (${answer.status}): ${await answer.text()}`);
      }
      await answer.body?.cancel();
      return new URL(location);
    },
    get refreshRequests() {
      return tokenRequests.filter((request) => request.grantType === 'refresh_token').length;
    },
    refreshRequestsFor(refreshToken) {
      return tokenRequests.filter((request) => request.refreshToken === refreshToken).length;
    },
    tokenRequests,
    waitForTokenRequests(count) {
      if (tokenRequests.length >= count) return Promise.resolve();
      return new Promise((resolve) => arrivalWaiters.push({ count, resolve }));
    },
    failNextRefresh(fault = {}) {
      state.refreshFaults.push(fault);
    },
    setTokenDelay(ms) {
      tokenDelayMs = ms;
    },
    holdTokenEndpoint() {
      if (hold === undefined) hold = new Promise<void>((resolve) => (release = resolve));
      const releaseThis = release;
      return () => {
        if (release === releaseThis && releaseThis !== undefined) {
          hold = undefined;
          release = undefined;
          releaseThis();
        }
      };
    },
    setAccessTokenLifetime(seconds) {
      state.accessTokenLifetimeSeconds = seconds;
    },
    revokeRefreshToken(refreshToken) {
      const token = state.refreshTokens.get(refreshToken);
      if (token !== undefined) token.status = 'revoked';
    },
    accessToken(token) {
      const issued = state.accessTokens.get(token);
      return issued === undefined ? undefined : { ...issued, active: issued.expiresAt > state.now() };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        release?.();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function isRegistered(client: FakeOAuthClient, redirectUri: string): boolean {
  if (client.redirectUris !== undefined) return client.redirectUris.includes(redirectUri);
  return URL.canParse(redirectUri) && /^https?:$/.test(new URL(redirectUri).protocol);
}
