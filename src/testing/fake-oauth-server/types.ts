/** A client registered with the fake authorization server. */
export interface FakeOAuthClient {
  clientId: string;
  /** Absent for a public client (PKCE only, no secret). */
  clientSecret?: string;
  /** When given, `redirect_uri` must be one of these exactly; otherwise any http(s) URI is accepted. */
  redirectUris?: string[];
}

export interface FakeOAuthServerOptions {
  /** Default 0: a free port on 127.0.0.1. */
  port?: number;
  /** Default: one confidential client, `keel-test-client` / `keel-test-secret`, any redirect URI. */
  clients?: FakeOAuthClient[];
  /** Lifetime of issued access tokens (`expires_in`). Default 3600. */
  accessTokenLifetimeSeconds?: number;
  /** Lifetime of authorization codes. Default 60. */
  codeLifetimeSeconds?: number;
  /** Issue a new refresh token on every refresh and retire the old one, as most providers do. Default true. */
  rotateRefreshTokens?: boolean;
  /** The server's clock in epoch milliseconds (token and code expiry). Default `Date.now`. */
  now?: () => number;
}

/** An answer the next refresh request gets instead of tokens. */
export interface FakeOAuthFault {
  /** The OAuth error code. Default `invalid_grant`. */
  error?: string;
  /** Default 400 (503 for `temporarily_unavailable`). */
  status?: number;
  description?: string;
}

/** One request to the token endpoint, as the fake server understood it. */
export interface FakeTokenRequest {
  grantType: string;
  clientId: string | undefined;
  /** The refresh token presented (refresh grants only). */
  refreshToken: string | undefined;
  /** The HTTP status answered; undefined while the request is still being answered. */
  status: number | undefined;
  /** The OAuth error answered, if any. */
  error: string | undefined;
}

/** What the server knows about an access token it issued. */
export interface FakeAccessToken {
  user: string;
  clientId: string;
  scope: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  active: boolean;
}

export interface FakeOAuthServer {
  /** `http://127.0.0.1:<port>`, also the issuer. */
  readonly url: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  /** Answers `{ user, scope }` for a valid `Authorization: Bearer` access token, 401 otherwise. */
  readonly userinfoEndpoint: string;
  /** The first registered client's id and secret. */
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  /**
   * Plays the user at the authorization endpoint: opens `authorizationUrl` as a browser would,
   * approves (or, with `deny`, refuses) as `user` (default `user-1`), and returns the callback URL
   * the browser is redirected to, with `code` and `state` (or `error`) in its query.
   */
  authorize(authorizationUrl: string | URL, options?: { user?: string; deny?: boolean }): Promise<URL>;
  /** Refresh-token grant requests received so far, failed ones included. */
  readonly refreshRequests: number;
  /** Refresh requests that presented this refresh token. */
  refreshRequestsFor(refreshToken: string): number;
  /** Every token endpoint request, in arrival order. */
  readonly tokenRequests: readonly FakeTokenRequest[];
  /** Resolves once at least `count` token requests have arrived (answered or not). */
  waitForTokenRequests(count: number): Promise<void>;
  /** The next refresh request gets this answer (default `invalid_grant`); several calls queue up. */
  failNextRefresh(fault?: FakeOAuthFault): void;
  /** Delays every token endpoint answer by `ms` from now on, so concurrent requests overlap. */
  setTokenDelay(ms: number): void;
  /**
   * Holds every token endpoint answer until the returned function is called: a deterministic way
   * to have concurrent refreshes overlap.
   */
  holdTokenEndpoint(): () => void;
  setAccessTokenLifetime(seconds: number): void;
  /** Revokes a refresh token (as the user disconnecting the app would): using it then answers `invalid_grant`. */
  revokeRefreshToken(refreshToken: string): void;
  /** What the server knows about an access token it issued, or undefined. */
  accessToken(token: string): FakeAccessToken | undefined;
  /** Stops listening and destroys open sockets, held requests included. */
  close(): Promise<void>;
}
