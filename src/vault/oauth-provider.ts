import * as oauth from 'oauth4webapi';
import { KeelError } from '../errors/index.ts';

/** An OAuth 2.0 provider end users connect their accounts from (a shop, a calendar, a CRM). */
export interface OAuthProviderConfig {
  /** How tools and credentials refer to it: 1-64 letters, digits, `_` or `-`. */
  name: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  clientId: string;
  /** Absent for a public client, which proves itself with PKCE alone. */
  clientSecret?: string | undefined;
  scopes: string[];
  /** Keel's callback URL, registered with the provider. */
  redirectUri: string;
  /** How the client authenticates at the token endpoint. Default `client_secret_basic` (RFC 6749's default). */
  clientAuthentication?: 'client_secret_basic' | 'client_secret_post' | undefined;
  /** Extra authorization request parameters, e.g. `{ access_type: 'offline', prompt: 'consent' }` for a refresh token from Google. */
  authorizationParameters?: Record<string, string> | undefined;
  /** The provider's issuer identifier; only checked in an OpenID Connect `id_token`. Default: the authorization endpoint's origin. */
  issuer?: string | undefined;
  /** Allows `http:` endpoints. For local test servers only: tokens and secrets would cross the network in the clear. */
  allowInsecureRequests?: boolean | undefined;
}

/** A provider checked by `defineOAuthProvider`, defaults filled in. */
export interface OAuthProvider {
  readonly kind: 'keel.oauth-provider';
  readonly name: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly scopes: readonly string[];
  readonly redirectUri: string;
  readonly clientAuthentication: 'client_secret_basic' | 'client_secret_post';
  readonly authorizationParameters: Readonly<Record<string, string>>;
  readonly issuer: string;
  readonly allowInsecureRequests: boolean;
}

/** Providers this module checked, so passing one again skips the checks (an object with the same fields is checked anew). */
const checked = new WeakSet<object>();
const namePattern = /^[a-zA-Z0-9_-]{1,64}$/;
/** RFC 6749 3.3: a scope token is printable ASCII without space, `"` or `\`. */
const scopePattern = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const reservedParameters = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'];

/**
 * Checks a provider's configuration once, so that a mistake fails at startup with
 * `OAUTH_PROVIDER_INVALID` rather than at a user's first connection. Messages never contain the
 * client secret.
 *
 * @example
 * const shop = defineOAuthProvider({
 *   name: 'shop',
 *   authorizationEndpoint: 'https://shop.example/oauth/authorize',
 *   tokenEndpoint: 'https://shop.example/oauth/token',
 *   clientId: process.env.SHOP_CLIENT_ID ?? '',
 *   clientSecret: process.env.SHOP_CLIENT_SECRET,
 *   scopes: ['orders.read'],
 *   redirectUri: 'https://keel.example/v1/oauth/shop/callback',
 * });
 */
export function defineOAuthProvider(input: OAuthProviderConfig | OAuthProvider): OAuthProvider {
  if (checked.has(input)) return input as OAuthProvider;
  const config = input as OAuthProviderConfig;
  const name = typeof config.name === 'string' ? config.name : '';
  const invalid = (message: string) =>
    new KeelError({ code: 'OAUTH_PROVIDER_INVALID', message: `OAuth provider "${name}": ${message}`, details: { provider: name } });
  if (!namePattern.test(name)) throw invalid('name must be 1-64 characters of letters, digits, "_" or "-"');
  const insecure = config.allowInsecureRequests === true;
  for (const field of ['authorizationEndpoint', 'tokenEndpoint'] as const) {
    const value = config[field];
    if (typeof value !== 'string' || !URL.canParse(value)) throw invalid(`${field} must be an absolute URL`);
    const protocol = new URL(value).protocol;
    if (protocol !== 'https:' && !(insecure && protocol === 'http:')) {
      throw invalid(`${field} must be an https: URL (http: only with allowInsecureRequests, for local test servers)`);
    }
  }
  if (typeof config.redirectUri !== 'string' || !URL.canParse(config.redirectUri) || !/^https?:$/.test(new URL(config.redirectUri).protocol)) {
    throw invalid('redirectUri must be an absolute http(s) URL');
  }
  if (typeof config.clientId !== 'string' || config.clientId === '') throw invalid('clientId must be a non-empty string');
  if (config.clientSecret !== undefined && (typeof config.clientSecret !== 'string' || config.clientSecret === '')) {
    throw invalid('clientSecret must be a non-empty string, or absent for a public client');
  }
  if (!Array.isArray(config.scopes) || !config.scopes.every((scope) => typeof scope === 'string' && scopePattern.test(scope))) {
    throw invalid('scopes must be a list of scope names without spaces');
  }
  const clientAuthentication = config.clientAuthentication ?? 'client_secret_basic';
  if (clientAuthentication !== 'client_secret_basic' && clientAuthentication !== 'client_secret_post') {
    throw invalid('clientAuthentication must be "client_secret_basic" or "client_secret_post"');
  }
  const authorizationParameters = { ...config.authorizationParameters };
  for (const [parameter, value] of Object.entries(authorizationParameters)) {
    if (reservedParameters.includes(parameter)) throw invalid(`authorizationParameters cannot set "${parameter}": Keel sets it`);
    if (typeof value !== 'string') throw invalid(`authorizationParameters.${parameter} must be a string`);
  }
  const issuer = config.issuer ?? new URL(config.authorizationEndpoint).origin;
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) throw invalid('issuer must be an absolute URL');
  const provider: OAuthProvider = Object.freeze({
    kind: 'keel.oauth-provider',
    name,
    authorizationEndpoint: config.authorizationEndpoint,
    tokenEndpoint: config.tokenEndpoint,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    scopes: Object.freeze([...config.scopes]),
    redirectUri: config.redirectUri,
    clientAuthentication,
    authorizationParameters: Object.freeze(authorizationParameters),
    issuer,
    allowInsecureRequests: insecure,
  });
  checked.add(provider);
  return provider;
}

/** The provider in oauth4webapi's terms: server metadata, client metadata and client authentication. */
export function toOAuth4WebApi(provider: OAuthProvider): { server: oauth.AuthorizationServer; client: oauth.Client; clientAuth: oauth.ClientAuth } {
  const server: oauth.AuthorizationServer = {
    issuer: provider.issuer,
    authorization_endpoint: provider.authorizationEndpoint,
    token_endpoint: provider.tokenEndpoint,
  };
  const client: oauth.Client = { client_id: provider.clientId };
  const clientAuth =
    provider.clientSecret === undefined
      ? oauth.None()
      : provider.clientAuthentication === 'client_secret_post'
        ? oauth.ClientSecretPost(provider.clientSecret)
        : oauth.ClientSecretBasic(provider.clientSecret);
  return { server, client, clientAuth };
}
