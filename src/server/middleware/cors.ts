import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { KeelError } from '../../errors/index.ts';

/** Headers a browser app may read from an answer: limits, ids, the session to continue. */
const exposedHeaders = [
  'Allow',
  'Idempotent-Replayed',
  'Location',
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'x-keel-run-id',
  'x-keel-session-id',
  'x-request-id',
];

/**
 * Cross-origin access for browser apps on the listed origins (`https://app.example.com`), or any
 * origin with `['*']`. A preflight `OPTIONS` is answered here, before authentication: browsers send
 * it without the key. Answers, errors included, carry `Access-Control-Allow-Origin` for an allowed
 * origin, so the app can read a 401 or 429 body. Keys are bearer tokens, never cookies, so no
 * credentials mode.
 *
 * @example
 * app.use('*', corsFor(['http://localhost:5173']));
 */
export function corsFor(origins: readonly string[]): MiddlewareHandler {
  return cors({
    origin: origins.includes('*') ? '*' : [...origins],
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    exposeHeaders: exposedHeaders,
    maxAge: 600,
  });
}

/**
 * A comma-separated allowlist of origins (`KEEL_CORS_ORIGINS`) as `corsFor` takes it: each
 * entry a `scheme://host[:port]` origin exactly as a browser sends it (no path, no trailing
 * slash), or `*` alone. Empty means CORS is off.
 *
 * @example
 * parseCorsOrigins('https://app.example.com, http://localhost:5173'); // ['https://app.example.com', 'http://localhost:5173']
 */
export function parseCorsOrigins(text: string | undefined): string[] {
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.includes('*')) {
    if (entries.length > 1) throw invalid('"*" allows every origin: give it alone or list origins instead');
    return ['*'];
  }
  for (const entry of entries) {
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    // A browser's Origin header is the serialised origin: anything else would never match.
    if (origin === undefined || origin === 'null' || origin !== entry) {
      throw invalid(`"${entry}" is not an origin such as https://app.example.com (scheme, host and port only)`);
    }
  }
  return entries;
}

function invalid(reason: string): KeelError {
  return new KeelError({ code: 'CONFIG_INVALID', message: `KEEL_CORS_ORIGINS: ${reason}` });
}
