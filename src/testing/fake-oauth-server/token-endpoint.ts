import { createHash, randomBytes } from 'node:crypto';
import type { FakeOAuthClient, FakeOAuthFault } from './types.ts';

/*
 * The token endpoint's rules, as RFC 6749 and RFC 7636 write them and real providers apply them:
 * codes are single-use and short-lived, PKCE S256 is checked against the code's challenge, the
 * redirect URI must be the one the code was issued for, and a refresh token retired by rotation
 * or revoked answers `invalid_grant`.
 */

export interface IssuedCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  user: string;
  scope: string;
  expiresAt: number;
  used: boolean;
}

export interface IssuedRefreshToken {
  clientId: string;
  user: string;
  scope: string;
  status: 'active' | 'rotated' | 'revoked';
}

export interface IssuedAccessToken {
  clientId: string;
  user: string;
  scope: string;
  expiresAt: number;
}

export interface OAuthState {
  clients: Map<string, FakeOAuthClient>;
  codes: Map<string, IssuedCode>;
  refreshTokens: Map<string, IssuedRefreshToken>;
  accessTokens: Map<string, IssuedAccessToken>;
  refreshFaults: FakeOAuthFault[];
  accessTokenLifetimeSeconds: number;
  rotateRefreshTokens: boolean;
  now: () => number;
}

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  clientId?: string | undefined;
}

export function randomToken(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function oauthError(status: number, error: string, description: string, headers?: Record<string, string>): TokenAnswer {
  return { status, body: { error, error_description: description }, ...(headers === undefined ? {} : { headers }) };
}

/** Answers one token request, given its form parameters and `Authorization` header. */
export function answerTokenRequest(state: OAuthState, form: URLSearchParams, authorization: string | undefined): TokenAnswer {
  const client = authenticateClient(state, form, authorization);
  if ('status' in client) return client;
  const grantType = form.get('grant_type');
  const answer =
    grantType === 'authorization_code'
      ? exchangeCode(state, client, form)
      : grantType === 'refresh_token'
        ? refresh(state, client, form)
        : oauthError(400, 'unsupported_grant_type', `The grant type "${grantType ?? ''}" is not supported.`);
  return { ...answer, clientId: client.clientId };
}

/** client_secret_basic, client_secret_post, or a public client naming itself with client_id. */
function authenticateClient(state: OAuthState, form: URLSearchParams, authorization: string | undefined): FakeOAuthClient | TokenAnswer {
  let clientId = form.get('client_id') ?? undefined;
  let secret = form.get('client_secret') ?? undefined;
  const basic = authorization?.startsWith('Basic ') === true;
  let malformed = false;
  if (basic) {
    const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // RFC 6749 2.3.1: the id and secret are form-encoded before they are joined with ":".
    clientId = colon === -1 ? undefined : formDecode(decoded.slice(0, colon));
    secret = colon === -1 ? undefined : formDecode(decoded.slice(colon + 1));
    malformed = clientId === undefined || secret === undefined;
  }
  const client = clientId === undefined ? undefined : state.clients.get(clientId);
  const authenticated = !malformed && client !== undefined && (client.clientSecret === undefined ? secret === undefined : secret === client.clientSecret);
  if (!authenticated) {
    // RFC 6749 5.2: a client that tried the Authorization header is answered with a challenge.
    return oauthError(401, 'invalid_client', 'Client authentication failed.', basic ? { 'www-authenticate': 'Basic realm="fake-oauth"' } : undefined);
  }
  return client;
}

function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function exchangeCode(state: OAuthState, client: FakeOAuthClient, form: URLSearchParams): TokenAnswer {
  const codeText = form.get('code');
  const code = codeText === null ? undefined : state.codes.get(codeText);
  if (code === undefined) return oauthError(400, 'invalid_grant', 'The authorization code is unknown.');
  if (code.used) return oauthError(400, 'invalid_grant', 'The authorization code was already used.');
  code.used = true;
  if (code.expiresAt <= state.now()) return oauthError(400, 'invalid_grant', 'The authorization code has expired.');
  if (code.clientId !== client.clientId) return oauthError(400, 'invalid_grant', 'The authorization code was issued to another client.');
  if (form.get('redirect_uri') !== code.redirectUri) return oauthError(400, 'invalid_grant', 'The redirect_uri does not match the authorization request.');
  const verifier = form.get('code_verifier');
  if (verifier === null || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return oauthError(400, 'invalid_grant', 'The code_verifier is missing or malformed.');
  if (pkceChallenge(verifier) !== code.codeChallenge) return oauthError(400, 'invalid_grant', 'The code_verifier does not match the code_challenge (PKCE).');
  return issueTokens(state, { clientId: client.clientId, user: code.user, scope: code.scope }, true);
}

function refresh(state: OAuthState, client: FakeOAuthClient, form: URLSearchParams): TokenAnswer {
  const fault = state.refreshFaults.shift();
  if (fault !== undefined) {
    const error = fault.error ?? 'invalid_grant';
    return oauthError(
      fault.status ?? (error === 'temporarily_unavailable' ? 503 : 400),
      error,
      fault.description ?? 'Injected by the fake authorization server.',
    );
  }
  const tokenText = form.get('refresh_token');
  const token = tokenText === null ? undefined : state.refreshTokens.get(tokenText);
  if (tokenText === null || token === undefined) return oauthError(400, 'invalid_grant', 'The refresh token is unknown.');
  if (token.status === 'rotated') return oauthError(400, 'invalid_grant', 'The refresh token was already used and has been rotated.');
  if (token.status === 'revoked') return oauthError(400, 'invalid_grant', 'The refresh token has been revoked.');
  if (token.clientId !== client.clientId) return oauthError(400, 'invalid_grant', 'The refresh token was issued to another client.');
  if (state.rotateRefreshTokens) token.status = 'rotated';
  return issueTokens(state, token, state.rotateRefreshTokens);
}

function issueTokens(state: OAuthState, grant: { clientId: string; user: string; scope: string }, withRefreshToken: boolean): TokenAnswer {
  const accessToken = randomToken('fake_at_');
  const lifetime = state.accessTokenLifetimeSeconds;
  state.accessTokens.set(accessToken, { clientId: grant.clientId, user: grant.user, scope: grant.scope, expiresAt: state.now() + lifetime * 1000 });
  const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime, scope: grant.scope };
  if (withRefreshToken) {
    const refreshToken = randomToken('fake_rt_');
    state.refreshTokens.set(refreshToken, { clientId: grant.clientId, user: grant.user, scope: grant.scope, status: 'active' });
    body.refresh_token = refreshToken;
  }
  return { status: 200, body };
}
