import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { KeelError } from '../errors/index.ts';
import { principalForKey } from '../server/auth/authenticate.ts';
import { assertPermission, type Permission } from '../server/auth/permissions.ts';
import { sessionCookieName } from '../server/auth/session-cookie.ts';
import type { ApiKeyStore } from '../store/api-key-store.ts';
import type { DashboardEnv } from './dashboard-types.ts';

/** How long a sign-in lasts in the browser. The key's revocation ends it at once regardless. */
const sessionSeconds = 12 * 60 * 60;

/**
 * Paths under `/ui` that need no session: the sign-in page and the static assets. Everything
 * else is behind {@link requireSession}.
 */
export function isPublicPath(path: string): boolean {
  return path === '/ui/sign-in' || path.startsWith('/ui/assets/');
}

/**
 * Resolves the session cookie to the API key's principal on every dashboard request, with the
 * same lookup as the API's `Authorization` header (a revoked key is signed out on its next
 * request, on every node). Without a valid session a `GET` is redirected to the sign-in page
 * (coming back to where it was going afterwards); anything else is answered 401.
 */
export function requireSession(store: ApiKeyStore): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    if (isPublicPath(c.req.path)) return next();
    const key = getCookie(c, sessionCookieName);
    const principal = key === undefined || key === '' ? undefined : await principalForKey(store, key);
    if (principal === undefined) {
      if (key !== undefined) deleteCookie(c, sessionCookieName, { path: '/' });
      if (c.req.header('hx-request') === 'true') {
        // An htmx request (a list refreshing itself) would swap the sign-in page into the list: send the whole page there instead.
        c.header('HX-Redirect', `/ui/sign-in?next=${encodeURIComponent(safeNext(currentPath(c.req.header('hx-current-url'))))}`);
        return c.body(null, 401);
      }
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const next = c.req.path + (new URL(c.req.url).search || '');
        return c.redirect(`/ui/sign-in?next=${encodeURIComponent(next)}`, 303);
      }
      throw new KeelError({ code: 'UNAUTHENTICATED', message: 'Sign in again: the session has ended' });
    }
    c.set('principal', principal);
    c.set('log', c.get('log').child({ tenantId: principal.tenantId, keyId: principal.keyId }));
    return next();
  };
}

/** Starts a session: the key in an HttpOnly, SameSite=Strict cookie on the whole origin (the run event stream lives under `/v1`). */
export function startSession(c: Context<DashboardEnv>, key: string): void {
  setCookie(c, sessionCookieName, key, {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure: isHttps(c),
    maxAge: sessionSeconds,
  });
}

export function endSession(c: Context<DashboardEnv>): void {
  deleteCookie(c, sessionCookieName, { path: '/', secure: isHttps(c) });
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
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

/** Where to go after signing in: a dashboard path only, so the `next` parameter cannot send anyone elsewhere. */
export function safeNext(next: string | undefined): string {
  if (next === undefined || !/^\/ui\/[^\\]*$/.test(next) || next.startsWith('//')) return '/ui/';
  return next;
}
