/**
 * The part of the Store port that protects the system: per-tenant limits (concurrency caps and
 * per-user rate limits) and the window counters rate limits are counted in. It lives in the
 * store, not in process memory, so that every process sharing a SQLite file and every node on
 * one PostgreSQL sees the same caps and the same counts (ADR 0003).
 *
 * The concurrency cap itself is enforced by `claimRunnable` and `claimRun` (see `Store`), which
 * read `tenant_limits` inside the claim.
 */
export interface LimitsStore {
  /**
   * The limits in force for a tenant: each field from the tenant's own settings, or, where it
   * has none, from the defaults stored under {@link defaultLimitsTenant}. `null` means no limit.
   */
  getTenantLimits(tenantId: string): Promise<TenantLimits>;
  /**
   * Changes a tenant's own settings (or the defaults, with {@link defaultLimitsTenant}). A field
   * left `undefined` stays as it is; `null` removes the tenant's own value, so the default
   * applies again. Throws `INPUT_INVALID` for a value out of range (see `validateTenantLimits`).
   */
  setTenantLimits(tenantId: string, limits: Partial<TenantLimits>): Promise<void>;
  /**
   * Adds `cost` to the counter `key` in the window of `windowMs` containing `now`, atomically,
   * and only if the sliding-window estimate (`estimateWindowCount`) plus `cost` stays within
   * `limit` (`null`: always add). Returns whether it was added and the counter as of `now`'s window.
   */
  hitWindowCounter(hit: WindowCounterHit): Promise<WindowCounterState>;
  /** Deletes counters idle for two windows or more (they count nothing any more). Returns how many. */
  sweepWindowCounters(now: Date): Promise<number>;
}

/**
 * The tenant id whose settings are every tenant's defaults. Not a valid tenant id anywhere else.
 */
export const defaultLimitsTenant = '*';

export interface TenantLimits {
  /** Runs of the tenant executing at once, across every process and node. */
  maxConcurrentRuns: number | null;
  /** Requests each end user of the tenant may make per window. */
  userRequests: WindowLimit | null;
  /** Model tokens (input + output) each end user of the tenant may use per window. */
  userTokens: WindowLimit | null;
}

export interface WindowLimit {
  limit: number;
  windowMs: number;
}

export interface WindowCounterHit {
  key: string;
  windowMs: number;
  cost: number;
  limit: number | null;
  now: Date;
}

export interface WindowCounterState {
  added: boolean;
  /** Start of the fixed window containing `now`. */
  windowStart: Date;
  /** Count in that window so far (including `cost` when added). */
  current: number;
  /** Count in the window before it. */
  previous: number;
}
