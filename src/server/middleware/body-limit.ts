import type { Http2Bindings, HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit as streamedBodyLimit } from 'hono/body-limit';
import { KeelError } from '../../errors/index.ts';

/**
 * Refuses a request body larger than `maxBytes` with 413 `BODY_TOO_LARGE`, before it is read.
 *
 * Over HTTP/1.x served by Node (`@hono/node-server`), the request line and headers say
 * everything: Node's parser has checked that a body comes with a `Content-Length` (compared
 * here) or is chunked, and that it never has both. A request with neither has no body, and the
 * middleware touches nothing: the request is never turned into a WHATWG `Request`, whose body
 * stream would cost every request (GETs too) and would take the body off the direct read that
 * `c.req.arrayBuffer()` makes from the Node request. A chunked body, HTTP/2 (where a body need
 * not announce its length), and any request of another server (`app.request()` in tests, a
 * fetch-style runtime) go through Hono's `bodyLimit`, which counts the bytes as they come.
 *
 * @example
 * app.use('/v1/*', bodyLimit(1024 * 1024));
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler {
  const tooLarge = () => new KeelError({ code: 'BODY_TOO_LARGE', message: `The request body is larger than ${maxBytes} bytes` });
  const streamed = streamedBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge();
    },
  });
  return async (c, next) => {
    const incoming = (c.env as Partial<HttpBindings | Http2Bindings> | undefined)?.incoming;
    if (incoming?.httpVersionMajor !== 1 || incoming.headers['transfer-encoding'] !== undefined) return await streamed(c, next);
    const length = incoming.headers['content-length'];
    if (length !== undefined && Number(length) > maxBytes) throw tooLarge();
    await next();
  };
}
