import type { Context } from 'hono';

/**
 * The request's W3C `traceparent` header, as `startRun` takes it. The store keeps it only if it
 * is valid; an invalid one is ignored (the W3C spec says so), never a 4xx or a 500.
 *
 * @example
 * await context.runtime.startRun({ ...body, tenantId, ...traceparentOf(c) });
 */
export function traceparentOf(c: Context): { traceparent?: string } {
  const header = c.req.header('traceparent');
  return header === undefined || header.length > 512 ? {} : { traceparent: header };
}
