import type { Context } from 'hono';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The request body as text, or `undefined` when its bytes are not UTF-8. Hono's own `text()`
 * decodes leniently: invalid bytes become U+FFFD, and a body that was never valid JSON text
 * (RFC 8259 requires UTF-8) would reach the schemas looking like ordinary characters — stored as
 * text nobody sent. The bytes are read once (Hono caches them), so every reader of the body
 * (`endUserOf`, the route) sees the same decoding.
 *
 * @example
 * const text = await requestText(c);
 * if (text === undefined) throw new KeelError({ code: 'INPUT_INVALID', message: 'The request body is not UTF-8' });
 */
export async function requestText(c: Context): Promise<string | undefined> {
  const bytes = await c.req.arrayBuffer();
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
