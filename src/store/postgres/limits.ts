import type { Pool } from 'pg';
import { defaultLimitsTenant, type LimitsStore, type TenantLimits, type WindowCounterHit, type WindowCounterState } from '../limits-store.ts';
import { rollCounter, tenantLimitsFromColumns, validateTenantLimits, windowStartOf } from '../window-counter.ts';
import { execute, namedSql, query, type Row } from './named-sql.ts';
import { guard } from './open-pool.ts';
import { integer, nullableInteger, text } from './rows.ts';

/** A counter's state in the caller's window, the same rule as `rollCounter`, in SQL. */
const previousAsOfNow = `CASE
    WHEN counter.window_start >= :window_start::bigint THEN counter.previous_count
    WHEN counter.window_start = :window_start::bigint - :window_ms::bigint THEN counter.current_count
    ELSE 0 END`;
const currentAsOfNow = 'CASE WHEN counter.window_start >= :window_start::bigint THEN counter.current_count ELSE 0 END';

const limitSql = {
  // One statement decides and counts (ADR 0003): ON CONFLICT DO UPDATE locks the row, and its
  // WHERE leaves the row alone (returning nothing) when the estimate plus the cost would pass
  // the limit, so no two nodes can both take the last unit. A refused hit reads the row back in
  // the same statement; that read sees the statement's snapshot, so under a race it may show a
  // count a moment old — it only feeds Retry-After. Integer division of bigints rounds down,
  // so `(a + w - 1) / w` is the rounded-up weight of `estimateWindowCount`.
  hitWindowCounter: namedSql(`
    WITH hit AS (
      INSERT INTO window_counters AS counter (counter_key, window_start, window_ms, current_count, previous_count)
      SELECT :key, :window_start::bigint, :window_ms::bigint, :cost::bigint, 0 WHERE :fits::boolean
      ON CONFLICT (counter_key) DO UPDATE SET
        previous_count = ${previousAsOfNow},
        current_count = ${currentAsOfNow} + :cost::bigint,
        window_start = GREATEST(counter.window_start, :window_start::bigint),
        window_ms = :window_ms::bigint
      WHERE :limit::bigint IS NULL
        OR (${previousAsOfNow} * :weight::bigint + :window_ms::bigint - 1) / :window_ms::bigint + ${currentAsOfNow} + :cost::bigint <= :limit::bigint
      RETURNING current_count, previous_count, window_start)
    SELECT true AS added, current_count, previous_count, window_start FROM hit
    UNION ALL
    SELECT false, current_count, previous_count, window_start FROM window_counters
    WHERE counter_key = :key AND NOT EXISTS (SELECT 1 FROM hit)`),
  sweepWindowCounters: namedSql('DELETE FROM window_counters WHERE window_start + 2 * window_ms <= :now_ms::bigint'),

  // The tenant's own row and the defaults' row in one read.
  getTenantLimits: namedSql(`
    SELECT tenant_id, max_concurrent_runs, user_requests_limit, user_requests_window_ms, user_tokens_limit, user_tokens_window_ms
    FROM tenant_limits WHERE tenant_id IN (:tenant_id, '${defaultLimitsTenant}')`),
  // Read, merge and write in one statement under the row lock of ON CONFLICT: a field whose
  // `set_…` flag is false keeps its stored value, so two nodes changing different fields of one
  // tenant at once both land.
  setTenantLimits: namedSql(`
    INSERT INTO tenant_limits AS own (tenant_id, max_concurrent_runs, user_requests_limit, user_requests_window_ms,
                                      user_tokens_limit, user_tokens_window_ms, updated_at)
    VALUES (:tenant_id, :max_concurrent_runs::integer, :user_requests_limit::bigint, :user_requests_window_ms::bigint,
            :user_tokens_limit::bigint, :user_tokens_window_ms::bigint, :now::timestamptz)
    ON CONFLICT (tenant_id) DO UPDATE SET
      max_concurrent_runs = CASE WHEN :set_max_concurrent_runs::boolean THEN excluded.max_concurrent_runs ELSE own.max_concurrent_runs END,
      user_requests_limit = CASE WHEN :set_user_requests::boolean THEN excluded.user_requests_limit ELSE own.user_requests_limit END,
      user_requests_window_ms = CASE WHEN :set_user_requests::boolean THEN excluded.user_requests_window_ms ELSE own.user_requests_window_ms END,
      user_tokens_limit = CASE WHEN :set_user_tokens::boolean THEN excluded.user_tokens_limit ELSE own.user_tokens_limit END,
      user_tokens_window_ms = CASE WHEN :set_user_tokens::boolean THEN excluded.user_tokens_window_ms ELSE own.user_tokens_window_ms END,
      updated_at = excluded.updated_at`),
} as const;

/**
 * The PostgreSQL side of {@link LimitsStore}, spread into the PostgreSQL store. Every method is
 * one statement, atomic on its own.
 *
 * @example
 * const store = { ...createPostgresLimitsStore(pool, now), ...otherMethods };
 */
export function createPostgresLimitsStore(pool: Pool, now: () => Date): LimitsStore {
  return {
    getTenantLimits: (tenantId) => guard(() => getTenantLimits(pool, tenantId)),
    setTenantLimits: (tenantId, limits) => guard(() => setTenantLimits(pool, tenantId, limits, now())),
    hitWindowCounter: (hit) => guard(() => hitWindowCounter(pool, hit)),
    sweepWindowCounters: (at) => guard(() => execute(pool, limitSql.sweepWindowCounters, { now_ms: at.getTime() })),
  };
}

async function hitWindowCounter(pool: Pool, hit: WindowCounterHit): Promise<WindowCounterState> {
  const nowMs = hit.now.getTime();
  const windowStart = windowStartOf(nowMs, hit.windowMs);
  const [row] = await query(pool, limitSql.hitWindowCounter, {
    key: hit.key,
    window_start: windowStart,
    window_ms: hit.windowMs,
    weight: hit.windowMs - (nowMs - windowStart),
    cost: hit.cost,
    limit: hit.limit,
    // A cost above the limit never fits; a new key is then not even created.
    fits: hit.limit === null || hit.cost <= hit.limit,
  });
  if (row === undefined) return { added: false, windowStart: new Date(windowStart), current: 0, previous: 0 };
  const stored = { windowStart: integer(row, 'window_start'), current: integer(row, 'current_count'), previous: integer(row, 'previous_count') };
  if (row.added === true) return { added: true, windowStart: new Date(windowStart), current: stored.current, previous: stored.previous };
  return { added: false, windowStart: new Date(windowStart), ...rollCounter(stored, windowStart, hit.windowMs) };
}

/** The tenant's own settings over the defaults, field by field. */
async function getTenantLimits(pool: Pool, tenantId: string): Promise<TenantLimits> {
  const rows = await query(pool, limitSql.getTenantLimits, { tenant_id: tenantId });
  const own = ownLimits(rows.find((row) => text(row, 'tenant_id') === tenantId));
  if (tenantId === defaultLimitsTenant) return own;
  const defaults = ownLimits(rows.find((row) => text(row, 'tenant_id') === defaultLimitsTenant));
  return {
    maxConcurrentRuns: own.maxConcurrentRuns ?? defaults.maxConcurrentRuns,
    userRequests: own.userRequests ?? defaults.userRequests,
    userTokens: own.userTokens ?? defaults.userTokens,
  };
}

async function setTenantLimits(pool: Pool, tenantId: string, change: Partial<TenantLimits>, now: Date): Promise<void> {
  validateTenantLimits(change);
  await execute(pool, limitSql.setTenantLimits, {
    tenant_id: tenantId,
    max_concurrent_runs: change.maxConcurrentRuns ?? null,
    user_requests_limit: change.userRequests?.limit ?? null,
    user_requests_window_ms: change.userRequests?.windowMs ?? null,
    user_tokens_limit: change.userTokens?.limit ?? null,
    user_tokens_window_ms: change.userTokens?.windowMs ?? null,
    set_max_concurrent_runs: change.maxConcurrentRuns !== undefined,
    set_user_requests: change.userRequests !== undefined,
    set_user_tokens: change.userTokens !== undefined,
    now: now.toISOString(),
  });
}

function ownLimits(row: Row | undefined): TenantLimits {
  return tenantLimitsFromColumns(row === undefined ? undefined : (column) => nullableInteger(row, column));
}
