/**
 * The `Retry-After` header value for a wait: whole seconds, rounded up, at least 1. Rounding up
 * keeps the promise the header makes (a retry after it is not early); one function for every
 * answer that carries it (429s, 503s, errors with `retryAfterSeconds`), so none rounds its own way.
 *
 * @example
 * c.header('Retry-After', retryAfterHeader(error.retryAfterSeconds)); // 2.1 → "3"
 */
export function retryAfterHeader(seconds: number): string {
  return String(Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : 1);
}
