import { KeelError } from '../errors/index.ts';
import type { LimitsStore, TenantLimits, WindowLimit } from '../store/limits-store.ts';
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

  /**
   * Where a limit stands for one more request, without counting it: adding nothing under a
   * limit one lower succeeds exactly when one more would fit (the estimate is below the limit).
   */
  async function probe(kind: LimitKind, subject: RateLimitSubject, limit: WindowLimit, at: Date): Promise<Refusal | undefined> {
    const state = await store.hitWindowCounter({ key: counterKey(kind, subject, limit), windowMs: limit.windowMs, cost: 0, limit: limit.limit - 1, now: at });
    return state.added ? undefined : { kind, limit, waitMs: msUntilFits(state, at.getTime(), limit, 1) };
  }

  return {
    async admit(subject) {
      const limits = await limitsOf(subject.tenantId);
      const at = now();
      // Tokens are counted after the fact (recordTokens), so their check only asks "any left?".
      const tokens = limits.userTokens === null ? undefined : await probe('tokens', subject, limits.userTokens, at);
      if (tokens !== undefined) {
        // Retry-After must mean what it says: the time until *every* limit admits the request,
        // not only the first one that refused. The request limit is probed, not counted.
        const requests = limits.userRequests === null ? undefined : await probe('requests', subject, limits.userRequests, at);
        throw rateLimited(requests === undefined ? [tokens] : [tokens, requests]);
      }
      if (limits.userRequests === null) return undefined;
      const state = await store.hitWindowCounter({
        key: counterKey('requests', subject, limits.userRequests),
        windowMs: limits.userRequests.windowMs,
        cost: 1,
        limit: limits.userRequests.limit,
        now: at,
      });
      // The token limit admitted at `at`, and without new traffic its estimate only falls, so
      // the request limit's wait is the whole wait.
      if (!state.added) throw rateLimited([{ kind: 'requests', limit: limits.userRequests, waitMs: msUntilFits(state, at.getTime(), limits.userRequests, 1) }]);
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

type LimitKind = 'requests' | 'tokens';

/** One limit that refused: how long until it admits one more request, `undefined` for never (a limit of 0). */
interface Refusal {
  kind: LimitKind;
  limit: WindowLimit;
  waitMs: number | undefined;
}

/** The window length is part of the key, so changing a tenant's window starts clean counters. */
function counterKey(kind: LimitKind, subject: RateLimitSubject, limit: WindowLimit): string {
  return JSON.stringify([kind, subject.tenantId, subject.userId, limit.windowMs]);
}

/**
 * The refusal of the limit that admits last. Its Retry-After is a promise: the request fits once
 * that many seconds have passed, unless new traffic used the window meanwhile (the estimate only
 * ever falls without it: see `window-counter.ts`). A limit of 0 never admits: no Retry-After,
 * and not retryable.
 */
function rateLimited(refusals: Refusal[]): KeelError {
  const never = refusals.find((refusal) => refusal.waitMs === undefined);
  const last = never ?? refusals.reduce((latest, refusal) => ((refusal.waitMs ?? 0) > (latest.waitMs ?? 0) ? refusal : latest));
  const { kind, limit } = last;
  const windowSeconds = limit.windowMs / 1_000;
  const what = kind === 'requests' ? 'requests' : 'model tokens';
  if (last.waitMs === undefined) {
    return new KeelError({
      code: 'RATE_LIMITED',
      message: `This user's tenant allows no ${what} (a limit of ${limit.limit} per ${windowSeconds} s)`,
      details: { limit: kind, max: limit.limit, windowSeconds },
      retryable: false,
    });
  }
  const retryAfterSeconds = Math.max(1, Math.ceil(last.waitMs / 1_000));
  return new KeelError({
    code: 'RATE_LIMITED',
    message: `This user has reached the limit of ${limit.limit} ${what} per ${windowSeconds} s`,
    details: { limit: kind, max: limit.limit, windowSeconds, retryAfterSeconds },
    retryAfterSeconds,
  });
}
