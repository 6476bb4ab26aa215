import type { StatementSync } from 'node:sqlite';
import { defaultLimitsTenant, type LimitsStore, type TenantLimits, type WindowCounterHit, type WindowCounterState } from '../limits-store.ts';
import { rollCounter, tenantLimitsFromColumns, validateTenantLimits, windowStartOf } from '../window-counter.ts';
import { toStoreError } from './open-database.ts';
import { integer } from './rows.ts';

/** A counter's state in the caller's window, the same rule as `rollCounter`, in SQL. */
const previousAsOfNow = `CASE
    WHEN counter.window_start >= :window_start THEN counter.previous_count
    WHEN counter.window_start = :window_start - :window_ms THEN counter.current_count
    ELSE 0 END`;
const currentAsOfNow = 'CASE WHEN counter.window_start >= :window_start THEN counter.current_count ELSE 0 END';

/** Spread into `statements.ts`, so these are prepared with the others. */
export const limitSql = {
  // One statement decides and counts, so no two connections can both take the last unit: the
  // conditional DO UPDATE ... WHERE leaves the row alone (and returns nothing) when the estimate
  // plus the cost would pass the limit. A new key always fits: callers never send cost > limit.
  // node:sqlite binds JavaScript numbers as REAL, hence the CAST that makes the rounded-up
  // division an integer one, as in `estimateWindowCount`.
  hitWindowCounter: `
    INSERT INTO window_counters AS counter (counter_key, window_start, window_ms, current_count, previous_count)
    VALUES (:key, :window_start, :window_ms, :cost, 0)
    ON CONFLICT (counter_key) DO UPDATE SET
      previous_count = ${previousAsOfNow},
      current_count = ${currentAsOfNow} + :cost,
      window_start = MAX(counter.window_start, :window_start),
      window_ms = :window_ms
    WHERE :limit IS NULL
      OR CAST((${previousAsOfNow} * :weight + :window_ms - 1) / :window_ms AS INTEGER) + ${currentAsOfNow} + :cost <= :limit
    RETURNING current_count, previous_count`,
  readWindowCounter: 'SELECT window_start, current_count, previous_count FROM window_counters WHERE counter_key = ?',
  sweepWindowCounters: 'DELETE FROM window_counters WHERE window_start + 2 * window_ms <= ?',

  getTenantLimits: `
    SELECT max_concurrent_runs, user_requests_limit, user_requests_window_ms, user_tokens_limit, user_tokens_window_ms
    FROM tenant_limits WHERE tenant_id = ?`,
  upsertTenantLimits: `
    INSERT INTO tenant_limits (tenant_id, max_concurrent_runs, user_requests_limit, user_requests_window_ms,
                               user_tokens_limit, user_tokens_window_ms, updated_at)
    VALUES (:tenant_id, :max_concurrent_runs, :user_requests_limit, :user_requests_window_ms,
            :user_tokens_limit, :user_tokens_window_ms, :now)
    ON CONFLICT (tenant_id) DO UPDATE SET
      max_concurrent_runs = excluded.max_concurrent_runs,
      user_requests_limit = excluded.user_requests_limit,
      user_requests_window_ms = excluded.user_requests_window_ms,
      user_tokens_limit = excluded.user_tokens_limit,
      user_tokens_window_ms = excluded.user_tokens_window_ms,
      updated_at = excluded.updated_at`,
} as const;

export type LimitStatements = Record<keyof typeof limitSql, StatementSync>;

/**
 * The SQLite side of {@link LimitsStore}, spread into the SQLite store: it shares the store's
 * prepared statements (which include {@link limitSql}), its write transactions and its clock.
 *
 * @example
 * const store = { ...createSqliteLimitsStore(statements, transaction, now), ...otherMethods };
 */
export function createSqliteLimitsStore(statements: () => LimitStatements, transaction: <T>(work: () => T) => T, now: () => Date): LimitsStore {
  return {
    getTenantLimits: (tenantId) => guard(() => getTenantLimits(statements(), tenantId)),
    setTenantLimits: (tenantId, limits) => guard(() => transaction(() => setTenantLimits(statements(), tenantId, limits, now()))),
    hitWindowCounter: (hit) => guard(() => transaction(() => hitWindowCounter(statements(), hit))),
    sweepWindowCounters: (at) => guard(() => sweepWindowCounters(statements(), at)),
  };
}

function guard<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}

/** Runs inside a write transaction, so the state read back after a refusal is the one that refused. */
function hitWindowCounter(s: LimitStatements, hit: WindowCounterHit): WindowCounterState {
  const nowMs = hit.now.getTime();
  const windowStart = windowStartOf(nowMs, hit.windowMs);
  const fits = hit.limit === null || hit.cost <= hit.limit;
  const row = fits
    ? s.hitWindowCounter.get({
        key: hit.key,
        window_start: windowStart,
        window_ms: hit.windowMs,
        weight: hit.windowMs - (nowMs - windowStart),
        cost: hit.cost,
        limit: hit.limit,
      })
    : undefined;
  if (row !== undefined) {
    return { added: true, windowStart: new Date(windowStart), current: integer(row, 'current_count'), previous: integer(row, 'previous_count') };
  }
  // Refused: the row is as the refusal found it.
  const stored = s.readWindowCounter.get(hit.key);
  const counts =
    stored === undefined
      ? { current: 0, previous: 0 }
      : rollCounter(
          { windowStart: integer(stored, 'window_start'), current: integer(stored, 'current_count'), previous: integer(stored, 'previous_count') },
          windowStart,
          hit.windowMs,
        );
  return { added: false, windowStart: new Date(windowStart), ...counts };
}

function sweepWindowCounters(s: LimitStatements, now: Date): number {
  return Number(s.sweepWindowCounters.run(now.getTime()).changes);
}

/** The tenant's own settings over the defaults, field by field. */
function getTenantLimits(s: LimitStatements, tenantId: string): TenantLimits {
  const own = ownLimits(s, tenantId);
  if (tenantId === defaultLimitsTenant) return own;
  const defaults = ownLimits(s, defaultLimitsTenant);
  return {
    maxConcurrentRuns: own.maxConcurrentRuns ?? defaults.maxConcurrentRuns,
    userRequests: own.userRequests ?? defaults.userRequests,
    userTokens: own.userTokens ?? defaults.userTokens,
  };
}

/** Runs inside a write transaction: read, merge the change, write back. */
function setTenantLimits(s: LimitStatements, tenantId: string, change: Partial<TenantLimits>, now: Date): void {
  validateTenantLimits(change);
  const merged = { ...ownLimits(s, tenantId), ...withoutUndefined(change) };
  s.upsertTenantLimits.run({
    tenant_id: tenantId,
    max_concurrent_runs: merged.maxConcurrentRuns,
    user_requests_limit: merged.userRequests?.limit ?? null,
    user_requests_window_ms: merged.userRequests?.windowMs ?? null,
    user_tokens_limit: merged.userTokens?.limit ?? null,
    user_tokens_window_ms: merged.userTokens?.windowMs ?? null,
    now: now.toISOString(),
  });
}

function ownLimits(s: LimitStatements, tenantId: string): TenantLimits {
  const row = s.getTenantLimits.get(tenantId);
  return tenantLimitsFromColumns(row === undefined ? undefined : (column) => (row[column] === null ? null : integer(row, column)));
}

function withoutUndefined(change: Partial<TenantLimits>): Partial<TenantLimits> {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined));
}
