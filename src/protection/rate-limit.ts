import { KeelError } from '../errors/index.ts';
import type { LimitsStore, TenantLimits, WindowCounterState, WindowLimit } from '../store/limits-store.ts';
import { estimateWindowCount, msUntilFits } from '../store/window-counter.ts';

export interface RateLimiterOptions {
  /** Where limits and counters live: the Store (SQLite file or PostgreSQL), shared by every process. */
  store: LimitsStore;
  now?: () => Date;
  /**
   * How long this process reuses a tenant's limits before reading them again. Default 5 s: a
   * change made on one node takes effect on every node within that.
   */
  limitsCacheMs?: number;
}

/** Whose limits apply: an end user of a tenant. */
export interface RateLimitSubject {
  tenantId: string;
  userId: string;
}

/** The request limit after an admitted request, for `X-RateLimit-*` headers. */
export interface RateLimitStatus {
  limit: number;
  remaining: number;
}

export interface RateLimiter {
  /**
   * Counts one request for the user, or throws `RATE_LIMITED` (with `retryAfterSeconds`) when
   * the user has used up the tenant's per-user token budget for the window, or would pass its
   * per-user request limit. Returns the request limit's status, `undefined` when there is none.
   */
  admit(subject: RateLimitSubject): Promise<RateLimitStatus | undefined>;
  /** Counts model tokens the user's runs used (it never refuses: the tokens are spent). */
  recordTokens(subject: RateLimitSubject & { tokens: number }): Promise<void>;
}

/**
 * Per-user rate limits — requests and model tokens per sliding window — with the tenant's
 * limits from `store.getTenantLimits` and the counts in the store, so every process and node
 * shares them (ADR 0003).
 *
 * @example
 * const limiter = createRateLimiter({ store });
 * await store.setTenantLimits('acme', { userRequests: { limit: 60, windowMs: 60_000 } });
 * await limiter.admit({ tenantId: 'acme', userId: 'u1' }); // throws RATE_LIMITED on the 61st call in a minute
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const cacheMs = options.limitsCacheMs ?? 5_000;
  const cached = new Map<string, { limits: TenantLimits; readAt: number }>();

  async function limitsOf(tenantId: string): Promise<TenantLimits> {
    const at = now().getTime();
    const hit = cached.get(tenantId);
    if (hit !== undefined && at - hit.readAt < cacheMs) return hit.limits;
    const limits = await store.getTenantLimits(tenantId);
    // Bounded: a process serving very many tenants re-reads rather than growing without end.
    if (cached.size >= 10_000) cached.clear();
    cached.set(tenantId, { limits, readAt: at });
    return limits;
  }

  return {
    async admit(subject) {
      const limits = await limitsOf(subject.tenantId);
      if (limits.userTokens !== null) {
        // Tokens are counted after the fact, so the check is "any left?": adding nothing under
        // a limit one lower succeeds exactly when the estimate is below the limit.
        const at = now();
        const state = await store.hitWindowCounter({
          key: counterKey('tokens', subject, limits.userTokens),
          windowMs: limits.userTokens.windowMs,
          cost: 0,
          limit: limits.userTokens.limit - 1,
          now: at,
        });
        if (!state.added) throw rateLimited('tokens', limits.userTokens, state, at);
      }
      if (limits.userRequests === null) return undefined;
      const at = now();
      const state = await store.hitWindowCounter({
        key: counterKey('requests', subject, limits.userRequests),
        windowMs: limits.userRequests.windowMs,
        cost: 1,
        limit: limits.userRequests.limit,
        now: at,
      });
      if (!state.added) throw rateLimited('requests', limits.userRequests, state, at);
      const used = estimateWindowCount(state, at.getTime(), limits.userRequests.windowMs);
      return { limit: limits.userRequests.limit, remaining: Math.max(0, limits.userRequests.limit - used) };
    },

    async recordTokens(subject) {
      if (!Number.isInteger(subject.tokens) || subject.tokens < 0) {
        throw new KeelError({ code: 'INPUT_INVALID', message: 'tokens must be a non-negative integer', details: { tokens: subject.tokens } });
      }
      const limits = await limitsOf(subject.tenantId);
      if (limits.userTokens === null || subject.tokens === 0) return;
      await store.hitWindowCounter({
        key: counterKey('tokens', subject, limits.userTokens),
        windowMs: limits.userTokens.windowMs,
        cost: subject.tokens,
        limit: null,
        now: now(),
      });
    },
  };
}

/** The window length is part of the key, so changing a tenant's window starts clean counters. */
function counterKey(kind: 'requests' | 'tokens', subject: RateLimitSubject, limit: WindowLimit): string {
  return JSON.stringify([kind, subject.tenantId, subject.userId, limit.windowMs]);
}

function rateLimited(kind: 'requests' | 'tokens', limit: WindowLimit, state: WindowCounterState, at: Date): KeelError {
  // Tokens need one more to fit (see admit); a request needs itself.
  const waitMs = msUntilFits(state, at.getTime(), limit, 1) ?? limit.windowMs;
  const windowSeconds = limit.windowMs / 1_000;
  return new KeelError({
    code: 'RATE_LIMITED',
    message: `This user has reached the limit of ${limit.limit} ${kind === 'requests' ? 'requests' : 'model tokens'} per ${windowSeconds} s`,
    details: { limit: kind, max: limit.limit, windowSeconds },
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1_000)),
  });
}
