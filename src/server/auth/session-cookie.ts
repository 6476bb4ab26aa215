import { getCookie } from 'hono/cookie';
import type { Context } from 'hono';

/**
 * The dashboard's session cookie: it holds the API key the person signed in with (HttpOnly,
 * SameSite=Strict, docs/adr/0023). Named here, below the dashboard, because one `/v1` endpoint
 * accepts it too: a run's event stream, which the timeline page follows with `EventSource` (a
 * browser's EventSource cannot send an `Authorization` header).
 */
export const sessionCookieName = 'keel_session';

/**
 * The paths where the API accepts the session cookie instead of a bearer token: `GET` of a run's
 * journal stream, and nothing that changes state (SameSite=Strict keeps the cookie off cross-site
 * requests; reads are the only thing it can do outside `/ui`).
 */
const cookiePaths = /^\/v1\/runs\/[^/]+\/events$/;

/** The API key in the session cookie, when the request may authenticate with it. */
export function sessionCookieKey(c: Context): string | undefined {
  if (c.req.method !== 'GET' || !cookiePaths.test(c.req.path)) return undefined;
  const value = getCookie(c, sessionCookieName);
  return value === undefined || value === '' ? undefined : value;
}
