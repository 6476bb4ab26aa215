import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { KeelError } from '../errors/index.ts';
import { assertPermission, type Permission } from '../server/auth/permissions.ts';
import { hashSessionToken, isHttps, principalForSession, sessionCookieName, sessionToken } from '../server/auth/session-cookie.ts';
import type { Principal } from '../server/server-types.ts';
import type { DashboardSessionStore } from '../store/dashboard-session-store.ts';
import type { DashboardEnv } from './dashboard-types.ts';

/** How long a sign-in lasts. Signing out, or revoking the key, ends it at once regardless. */
export const sessionSeconds = 12 * 60 * 60;

/**
 * Paths under `/ui` that need no session: the sign-in page and the static assets. Everything
 * else is behind {@link requireSession}.
 */
export function isPublicPath(path: string): boolean {
  return path === '/ui/sign-in' || path.startsWith('/ui/assets/');
}

/**
 * Resolves the session cookie to its sign-in, and the sign-in to its key's principal, on every
 * dashboard request (a revoked key is signed out on its next request, on every node). Without a
 * valid session a `GET` is redirected to the sign-in page (coming back to where it was going
 * afterwards); anything else is answered 401.
 */
export function requireSession(store: DashboardSessionStore): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    if (isPublicPath(c.req.path)) return next();
    const token = sessionToken(c);
    const principal = token === undefined ? undefined : await principalForSession(store, token, new Date());
    if (principal === undefined) {
      if (token !== undefined) endSessionCookie(c);
      if (c.req.header('hx-request') === 'true') {
        // An htmx request (a list refreshing itself) would swap the sign-in page into the list: send the whole page there instead.
        c.header('HX-Redirect', `/ui/sign-in?next=${encodeURIComponent(safeNext(currentPath(c.req.header('hx-current-url'))))}`);
        return c.body(null, 401);
      }
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const next = safeNext(c.req.path + (new URL(c.req.url).search || ''));
        return c.redirect(`/ui/sign-in?next=${encodeURIComponent(next)}`, 303);
      }
      throw new KeelError({ code: 'UNAUTHENTICATED', message: 'Sign in again: the session has ended' });
    }
    c.set('principal', principal);
    c.get('log').bind({ tenantId: principal.tenantId, keyId: principal.keyId });
    return next();
  };
}

/**
 * Starts a sign-in for a verified key: 32 random bytes as the cookie's token, only their SHA-256
 * in the store. The cookie is HttpOnly, SameSite=Strict, on the whole origin (the run event
 * stream lives under `/v1`), and `__Host-`-prefixed and Secure over HTTPS. Expired sign-ins are
 * deleted by the server's periodic sweep.
 */
export async function startSession(c: Context<DashboardEnv>, store: DashboardSessionStore, principal: Principal): Promise<void> {
  // Signing in again replaces the browser's previous sign-in rather than leaving it to expire.
  const previous = sessionToken(c);
  if (previous !== undefined) await store.deleteDashboardSession(hashSessionToken(previous));
  const token = randomBytes(32).toString('base64url');
  const now = new Date();
  await store.createDashboardSession({
    tokenHash: hashSessionToken(token),
    keyId: principal.keyId,
    tenantId: principal.tenantId,
    now,
    expiresAt: new Date(now.getTime() + sessionSeconds * 1000),
  });
  setCookie(c, sessionCookieName(c), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure: isHttps(c),
    maxAge: sessionSeconds,
  });
}

/** Signs out: deletes the sign-in from the store, so a copy of the cookie is worthless, and the cookie from the browser. */
export async function endSession(c: Context<DashboardEnv>, store: DashboardSessionStore): Promise<void> {
  const token = sessionToken(c);
  if (token !== undefined) await store.deleteDashboardSession(hashSessionToken(token));
  endSessionCookie(c);
}

function endSessionCookie(c: Context<DashboardEnv>): void {
  deleteCookie(c, sessionCookieName(c), { path: '/', secure: isHttps(c) });
}

/**
 * Throws `FORBIDDEN` (the 403 page) unless the signed-in role has `permission`: the API's own
 * matrix (`server/auth/permissions.ts`), so a page shows exactly what its endpoint would.
 *
 * @example
 * requirePermission(c, 'runs:read');
 */
export function requirePermission(c: Context<DashboardEnv>, permission: Permission): void {
  assertPermission(c.get('principal'), permission);
}

/** The path and query of the page an htmx request came from (`HX-Current-URL`). */
function currentPath(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return undefined;
  }
}

/** Where `next` goes when it is not a dashboard path; the origin a relative `next` is resolved against (never contacted). */
const fallbackNext = '/ui/';
const dummyOrigin = 'http://keel.invalid';

/**
 * Where to go after signing in: a dashboard path on this origin only, so the `next` parameter
 * cannot send anyone elsewhere. Control characters are refused (they would end up in a
 * `Location` header), and the path is normalised as a browser would (`/ui/../v1/keys` is
 * `/v1/keys`, a backslash is a slash) before it must still be under `/ui/`.
 */
export function safeNext(next: string | undefined): string {
  if (next === undefined || !next.startsWith('/ui/') || /[\u0000-\u001f\u007f\\]/.test(next)) return fallbackNext;
  let resolved: URL;
  try {
    resolved = new URL(next, dummyOrigin);
  } catch {
    return fallbackNext;
  }
  if (resolved.origin !== dummyOrigin || !resolved.pathname.startsWith('/ui/')) return fallbackNext;
  return resolved.pathname + resolved.search;
}
