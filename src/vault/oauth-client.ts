import * as oauth from 'oauth4webapi';
import { KeelError } from '../errors/index.ts';
import { toOAuthError } from './oauth-errors.ts';
import { defineOAuthProvider, toOAuth4WebApi, type OAuthProvider, type OAuthProviderConfig } from './oauth-provider.ts';

/*
 * The three steps of per-user OAuth, on oauth4webapi: start (an authorization URL with state and
 * PKCE S256), finish (exchange the callback's code), and refresh. Each is a pure function of its
 * inputs with no cache and no retry of its own: a refresh may have rotated the refresh token even
 * when its answer was lost, so whether and when to try again, and holding the lock that makes
 * one refresh per credential at a time, belong to the caller that stores the tokens.
 */

export interface OAuthTokens {
  accessToken: string;
  /** Lowercase, e.g. `bearer`. */
  tokenType: string;
  /** Epoch milliseconds; undefined when the provider did not say (`expires_in` absent). */
  expiresAt: number | undefined;
  /** Undefined when the provider issued none. */
  refreshToken: string | undefined;
  /** The scopes granted, when the provider says; undefined otherwise (then they are the ones asked for). */
  scopes: string[] | undefined;
}

export interface RefreshedOAuthTokens extends OAuthTokens {
  /** The refresh token to store from now on: the rotated one, or the old one when the provider sent none. */
  refreshToken: string;
  /** Whether the provider rotated the refresh token (then the old one is retired). */
  rotated: boolean;
}

/** What to remember between sending the user to the provider and the callback, server-side. */
export interface OAuthAuthorizationRequest {
  /** Send the user's browser here. */
  url: string;
  state: string;
  /** Secret: keep it server-side, never in the URL or a cookie the user can read. */
  codeVerifier: string;
}

interface RequestOptions {
  /** Default 10 s: a refresh runs under a lock, which a hanging provider must not hold forever. */
  timeoutMs?: number;
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * Starts a connection: the authorization URL with `state` and a PKCE S256 challenge, and the
 * state and code verifier to keep until the callback.
 *
 * @example
 * const request = await createAuthorizationRequest({ provider: shop });
 * await pending.save({ state: request.state, codeVerifier: request.codeVerifier, userId });
 * return c.redirect(request.url);
 */
export async function createAuthorizationRequest(options: { provider: OAuthProvider | OAuthProviderConfig }): Promise<OAuthAuthorizationRequest> {
  const provider = defineOAuthProvider(options.provider);
  const state = oauth.generateRandomState();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const url = new URL(provider.authorizationEndpoint);
  for (const [name, value] of Object.entries(provider.authorizationParameters)) url.searchParams.set(name, value);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('redirect_uri', provider.redirectUri);
  if (provider.scopes.length > 0) url.searchParams.set('scope', provider.scopes.join(' '));
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  return { url: url.href, state, codeVerifier };
}

/**
 * Finishes a connection: checks that the callback belongs to the request (its `state`) and
 * carries a code, then exchanges the code and the PKCE verifier for tokens.
 *
 * @example
 * const tokens = await exchangeAuthorizationCode({ provider: shop, callback: c.req.url, state: saved.state, codeVerifier: saved.codeVerifier });
 */
export async function exchangeAuthorizationCode(
  options: { provider: OAuthProvider | OAuthProviderConfig; callback: string | URL | URLSearchParams; state: string; codeVerifier: string } & RequestOptions,
): Promise<OAuthTokens> {
  const provider = defineOAuthProvider(options.provider);
  const { server, client, clientAuth } = toOAuth4WebApi(provider);
  const parameters = validateCallback(provider, server, client, options.callback, options.state);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const secrets = [parameters.get('code') ?? undefined, options.codeVerifier, provider.clientSecret];
  // Lifetimes count from before the request: the token cannot have been issued earlier.
  const startedAt = (options.now ?? Date.now)();
  try {
    const request = requestOptions(provider, timeoutMs, options.signal);
    const response = await oauth.authorizationCodeGrantRequest(server, client, clientAuth, parameters, provider.redirectUri, options.codeVerifier, request);
    return toTokens(await oauth.processAuthorizationCodeResponse(server, client, response), startedAt);
  } catch (error) {
    throw await toOAuthError(error, { provider: provider.name, operation: 'exchange the authorization code', secrets, timeoutMs });
  }
}

/**
 * Refreshes an access token with the refresh-token grant. When the provider rotates refresh
 * tokens the answer carries the new one (and the old one stops working); otherwise the old one
 * is kept. `OAUTH_INVALID_GRANT` means the user must connect again.
 *
 * @example
 * // under the credential's lock: read, refresh, store, in one go
 * const next = await refreshAccessToken({ provider: shop, refreshToken: stored.refreshToken });
 * await credentials.update(id, { accessToken: next.accessToken, expiresAt: next.expiresAt, refreshToken: next.refreshToken });
 */
export async function refreshAccessToken(
  options: { provider: OAuthProvider | OAuthProviderConfig; refreshToken: string } & RequestOptions,
): Promise<RefreshedOAuthTokens> {
  const provider = defineOAuthProvider(options.provider);
  if (typeof options.refreshToken !== 'string' || options.refreshToken === '') {
    throw new KeelError({ code: 'INPUT_INVALID', message: `A refresh at "${provider.name}" needs a refresh token.` });
  }
  const { server, client, clientAuth } = toOAuth4WebApi(provider);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const startedAt = (options.now ?? Date.now)();
  try {
    const response = await oauth.refreshTokenGrantRequest(
      server,
      client,
      clientAuth,
      options.refreshToken,
      requestOptions(provider, timeoutMs, options.signal),
    );
    const tokens = toTokens(await oauth.processRefreshTokenResponse(server, client, response), startedAt);
    const rotated = tokens.refreshToken !== undefined && tokens.refreshToken !== options.refreshToken;
    return { ...tokens, refreshToken: tokens.refreshToken ?? options.refreshToken, rotated };
  } catch (error) {
    throw await toOAuthError(error, {
      provider: provider.name,
      operation: 'refresh the access token',
      secrets: [options.refreshToken, provider.clientSecret],
      timeoutMs,
    });
  }
}

function validateCallback(
  provider: OAuthProvider,
  server: oauth.AuthorizationServer,
  client: oauth.Client,
  callback: string | URL | URLSearchParams,
  state: string,
): URLSearchParams {
  const invalid = (message: string, details: Record<string, unknown> = {}) =>
    new KeelError({ code: 'OAUTH_CALLBACK_INVALID', message: `The "${provider.name}" callback ${message}`, details: { provider: provider.name, ...details } });
  let parameters: URLSearchParams;
  if (callback instanceof URLSearchParams) parameters = callback;
  else if (callback instanceof URL) parameters = callback.searchParams;
  else if (URL.canParse(callback)) parameters = new URL(callback).searchParams;
  else throw invalid('is not a URL.');
  if (typeof state !== 'string' || state === '') throw invalid('cannot be checked: no state was remembered for it.');
  try {
    const validated = oauth.validateAuthResponse(server, client, parameters, state);
    if (!validated.get('code')) throw invalid('carries no authorization code.', { reason: 'code' });
    return validated;
  } catch (error) {
    if (KeelError.isInstance(error)) throw error;
    if (error instanceof oauth.AuthorizationResponseError) {
      const description = error.error_description === undefined ? '' : `: ${error.error_description}`;
      throw invalid(`reports an error from the provider (${error.error}${description}).`, { reason: 'error', error: error.error });
    }
    // The state is missing or differs: a forged callback, or one for another (older) request.
    throw invalid('does not belong to this authorization request (its state does not match).', { reason: 'state' });
  }
}

function requestOptions(provider: OAuthProvider, timeoutMs: number, signal: AbortSignal | undefined): oauth.TokenEndpointRequestOptions {
  const timeout = AbortSignal.timeout(timeoutMs);
  return {
    signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    ...(provider.allowInsecureRequests ? { [oauth.allowInsecureRequests]: true } : {}),
  };
}

function toTokens(response: oauth.TokenEndpointResponse, issuedAt: number): OAuthTokens {
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    expiresAt: response.expires_in === undefined ? undefined : issuedAt + response.expires_in * 1000,
    refreshToken: response.refresh_token,
    scopes: response.scope === undefined ? undefined : response.scope.split(' ').filter((scope) => scope !== ''),
  };
}
