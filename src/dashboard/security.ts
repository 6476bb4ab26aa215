import type { MiddlewareHandler } from 'hono';
import { randomBytes } from 'node:crypto';
import { KeelError } from '../errors/index.ts';
import type { DashboardEnv } from './dashboard-types.ts';

/**
 * Security headers of every dashboard response. The Content-Security-Policy allows scripts,
 * styles, images and connections (htmx requests, the SSE stream) from this origin only, plus an
 * inline script carrying this response's nonce; no eval (htmx's `hx-on` is therefore unused), no
 * frames, forms posting only here. So a run's output that slipped past escaping still could not
 * run a script or send data elsewhere.
 */
export function securityHeaders(): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const nonce = randomBytes(16).toString('base64');
    c.set('cspNonce', nonce);
    await next();
    c.header(
      'Content-Security-Policy',
      [
        "default-src 'none'",
        `script-src 'self' 'nonce-${nonce}'`,
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ].join('; '),
    );
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    c.header('X-Frame-Options', 'DENY');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  };
}

const stateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF defence for the dashboard's state-changing requests (docs/adr/0023), on top of the session
 * cookie's SameSite=Strict: a POST, PUT, PATCH or DELETE must come from this origin. Browsers say
 * where a request comes from in `Sec-Fetch-Site` (Chromium, Firefox, Safari since 2023) and, on
 * every POST, in `Origin`; a request saying `cross-site`/`same-site`, or whose `Origin` is not
 * this server's, or that says neither, is refused with 403 `FORBIDDEN` before any handler runs.
 * Plain HTML forms and htmx requests send these headers by themselves: pages need no token.
 */
export function sameOriginWrites(): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    if (stateChanging.has(c.req.method)) {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const allowed = site !== undefined ? site === 'same-origin' && (origin === undefined || sameHost(origin, c.req.url)) : sameHost(origin, c.req.url);
      if (!allowed) {
        throw new KeelError({
          code: 'FORBIDDEN',
          message: 'This form may only be sent from the dashboard itself',
          details: { reason: 'cross-origin', ...(site === undefined ? {} : { secFetchSite: site }) },
        });
      }
    }
    await next();
  };
}

/** Whether `origin` names the host the request was sent to (a TLS-terminating proxy changes the scheme, not the host). */
function sameHost(origin: string | undefined, url: string): boolean {
  if (origin === undefined || origin === 'null') return false;
  try {
    return new URL(origin).host === new URL(url).host;
  } catch {
    return false;
  }
}
