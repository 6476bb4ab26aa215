import { hash } from 'node:crypto';
import { getCookie } from 'hono/cookie';
import type { Context } from 'hono';
import type { DashboardSessionStore } from '../../store/dashboard-session-store.ts';
import type { Principal } from '../server-types.ts';

/**
 * The dashboard's session cookie (docs/adr/0023): an opaque random token naming a sign-in kept
 * in the store, never the API key. Cookies are not scoped by port, so any server on the same
 * host can receive it; the token is good only for this server's sign-in, until it expires, is
 * signed out or its key is revoked. Over HTTPS the name carries the `__Host-` prefix, which the
 * browser accepts only with `Secure`, `Path=/` and no `Domain` (no sibling subdomain can plant
 * or widen it). Named here, below the dashboard, because one `/v1` endpoint accepts it too: a
 * run's event stream, which the timeline page follows with `EventSource` (a browser's
 * EventSource cannot send an `Authorization` header).
 */
export const sessionCookieBaseName = 'keel_session';
export const secureSessionCookieName = `__Host-${sessionCookieBaseName}`;

/** The session cookie's name for this request: `__Host-keel_session` over HTTPS, `keel_session` otherwise. */
export function sessionCookieName(c: Context): string {
  return isHttps(c) ? secureSessionCookieName : sessionCookieBaseName;
}

/** Whether the browser reached this server over HTTPS (directly, or through a proxy that says so). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

/** The session token in this request's cookie, if any. */
export function sessionToken(c: Context): string | undefined {
  const value = getCookie(c, sessionCookieName(c));
  return value === undefined || value === '' ? undefined : value;
}

/** What the store keeps of a session token: its hex SHA-256 (the token has 256 random bits, so no salt is needed). */
export function hashSessionToken(token: string): string {
  return hash('sha256', token);
}

/**
 * The principal a session token stands for, or undefined when the sign-in is unknown, expired,
 * signed out, or its key has been revoked: looked up on every request, so a revocation takes
 * effect at once, on every node.
 *
 * @example
 * const principal = await principalForSession(store, token, new Date());
 */
export async function principalForSession(store: DashboardSessionStore, token: string, now: Date): Promise<Principal | undefined> {
  const session = await store.findDashboardSession(hashSessionToken(token), now);
  if (session === undefined || session.keyRevokedAt !== null) return undefined;
  return { keyId: session.keyId, tenantId: session.tenantId, role: session.role };
}

/**
 * The paths where the API accepts the session cookie instead of a bearer token: `GET` of a run's
 * journal stream, and nothing that changes state (SameSite=Strict keeps the cookie off cross-site
 * requests; reads are the only thing it can do outside `/ui`).
 */
const cookiePaths = /^\/v1\/runs\/[^/]+\/events$/;

/** The session token in the cookie, when the request may authenticate with it. */
export function sessionCookieToken(c: Context): string | undefined {
  if (c.req.method !== 'GET' || !cookiePaths.test(c.req.path)) return undefined;
  return sessionToken(c);
}
