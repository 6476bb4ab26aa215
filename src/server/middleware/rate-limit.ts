import type { Context, Env, MiddlewareHandler } from 'hono';
import type { RateLimiter, RateLimitSubject } from '../../protection/rate-limit.ts';
import { KeelError } from '../../errors/index.ts';
import { requestText } from '../request-text.ts';
import { retryAfterHeader } from '../retry-after.ts';

export interface RateLimitOptions<E extends Env> {
  limiter: Pick<RateLimiter, 'admit'>;
  /**
   * The tenant and end user a request counts against (after authentication has run), or
   * `undefined` to let it through uncounted.
   */
  identify: (c: Context<E>) => RateLimitSubject | undefined | Promise<RateLimitSubject | undefined>;
  /** Told of every request refused with 429 (for metrics). */
  onRejected?: (subject: RateLimitSubject) => void;
}

/**
 * Counts each request against its end user's per-user limits (`createRateLimiter`) and answers
 * 429 `RATE_LIMITED` with `Retry-After` once they are used up: the wait until every limit admits
 * the request again. Admitted requests carry
 * `X-RateLimit-Limit` and `X-RateLimit-Remaining` when the tenant limits requests. Other errors
 * (the store unreachable, say) go to the app's error handler.
 *
 * @example
 * app.use('/v1/*', rateLimit({ limiter: createRateLimiter({ store }), identify: (c) => ({ tenantId: c.get('principal').tenantId, userId: c.req.header('x-keel-user') ?? c.get('principal').keyId }) }));
 */
export function rateLimit<E extends Env>(options: RateLimitOptions<E>): MiddlewareHandler<E> {
  return async (c, next) => {
    const subject = await options.identify(c);
    if (subject === undefined) {
      await next();
      return;
    }
    try {
      const status = await options.limiter.admit(subject);
      if (status !== undefined) {
        c.header('X-RateLimit-Limit', String(status.limit));
        c.header('X-RateLimit-Remaining', String(status.remaining));
      }
    } catch (error) {
      if (!KeelError.isInstance(error) || error.code !== 'RATE_LIMITED') throw error;
      options.onRejected?.(subject);
      // A limit of 0 never admits: such a refusal has no Retry-After to promise.
      const headers: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'Retry-After': retryAfterHeader(error.retryAfterSeconds) };
      return c.json({ error: error.toJSON() }, 429, headers);
    }
    await next();
  };
}

/**
 * The end user a `/v1` request is for, as the API names it: `?userId=` on reads, `userId` in a
 * JSON body (`POST /v1/runs`) or `user` (`POST /v1/chat/completions`). `undefined` when the
 * request names none, or its body is not JSON (validation answers that later). Hono caches the
 * body, so the route can still read it.
 *
 * @example
 * identify: async (c) => ({ tenantId: c.get('principal').tenantId, userId: (await endUserOf(c)) ?? `key:${c.get('principal').keyId}` })
 */
export async function endUserOf(c: Context): Promise<string | undefined> {
  const fromQuery = c.req.query('userId');
  if (fromQuery !== undefined && fromQuery !== '') return fromQuery;
  if (!/^application\/(?:[\w.-]+\+)?json\b/i.test(c.req.header('content-type') ?? '')) return undefined;
  const text = await requestText(c);
  let body: unknown;
  try {
    body = text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    body = undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const named = 'userId' in body ? body.userId : 'user' in body ? body.user : undefined;
  return typeof named === 'string' && named !== '' ? named : undefined;
}
