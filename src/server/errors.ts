import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { KeelError, type ErrorCode } from '../errors/index.ts';
import { retryAfterHeader } from './retry-after.ts';
import type { ServerEnv } from './server-types.ts';

/** Codes whose message may carry internal detail (a driver's text, a stack's first line). */
const internalCodes: ReadonlySet<ErrorCode> = new Set(['INTERNAL', 'JOURNAL_CORRUPT', 'STORE_MIGRATION_FAILED']);

/** What Hono's own exceptions mean in the catalogue's terms. */
const httpExceptionCodes: Partial<Record<number, { code: ErrorCode; message: string }>> = {
  400: { code: 'INPUT_INVALID', message: 'The request body is not valid JSON' },
  401: { code: 'UNAUTHENTICATED', message: 'Missing or invalid API key' },
  404: { code: 'ROUTE_NOT_FOUND', message: 'No such endpoint' },
  413: { code: 'BODY_TOO_LARGE', message: 'The request body is too large' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The request body must be application/json' },
};

/**
 * Turns anything a route threw into the wire shape `{ error: { code, message, details? } }` with
 * the catalogue's status. Faults inside the server are logged with the request id and answered
 * with a generic message: no stack trace or internal message leaves the process.
 *
 * @example
 * app.onError((error, c) => errorResponse(c, error));
 */
export function errorResponse(c: Context<ServerEnv>, thrown: unknown): Response {
  const error = toApiError(thrown);
  const requestId = c.get('requestId');
  if (error.status >= 500) c.get('log').error({ err: thrown, requestId, code: error.code }, 'request failed');
  const body = internalCodes.has(error.code)
    ? { code: error.code, message: `An internal error occurred (request ${requestId})`, details: { requestId } }
    : error.toJSON();
  if (error.retryAfterSeconds !== undefined) c.header('Retry-After', retryAfterHeader(error.retryAfterSeconds));
  else if (error.status === 503) c.header('Retry-After', '1');
  return c.json({ error: body }, error.status as ContentfulStatusCode);
}

function toApiError(thrown: unknown): KeelError {
  if (KeelError.isInstance(thrown)) return thrown;
  if (thrown instanceof HTTPException) {
    const known = httpExceptionCodes[thrown.status];
    if (known !== undefined) return new KeelError({ ...known, cause: thrown });
  }
  return new KeelError({ code: 'INTERNAL', message: 'Unexpected error', cause: thrown });
}

/** For `details` of validation errors: where each problem is, and what it is. */
export function describeIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string }>,
): Array<{ path: string; message: string }> {
  return issues.slice(0, 20).map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}
