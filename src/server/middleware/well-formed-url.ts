import type { MiddlewareHandler } from 'hono';
import { KeelError } from '../../errors/index.ts';

/**
 * Refuses a URL whose percent-encoding is not valid UTF-8 (`%ZZ`, a cut-off `%E0%A4%A`, the
 * encoded surrogate `%ED%A0%80`) with 400 `REQUEST_MALFORMED`. Without it such a path or query
 * value is passed on undecoded, as if `%ZZ` were the id the client meant: a lookup of nothing, or
 * a listing filtered by a string nobody sent. Put it before authentication: it costs one pass
 * over the URL and needs nothing else.
 *
 * @example
 * app.use('*', wellFormedUrl());
 */
export function wellFormedUrl(): MiddlewareHandler {
  return async (c, next) => {
    const url = c.req.url;
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    if (!decodes(path)) throw malformed('path');
    if (queryStart !== -1) {
      const query = url.slice(queryStart + 1).split('#', 1)[0] ?? '';
      for (const part of query.split(/[&=]/)) if (!decodes(part.replaceAll('+', ' '))) throw malformed('query');
    }
    await next();
  };
}

function decodes(text: string): boolean {
  if (!text.includes('%')) return true;
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

function malformed(where: 'path' | 'query'): KeelError {
  return new KeelError({
    code: 'REQUEST_MALFORMED',
    message: `The ${where} has percent-encoding that is not valid UTF-8`,
    details: { in: where },
  });
}
