import type { BudgetScope, UsageGroupBy } from '../budget-store.ts';
import { budgetScopes } from '../budget-rules.ts';
import { namedSql } from './named-sql.ts';

/**
 * The ledger and reservation column each scope's budgets are matched on. A tenant budget's id
 * is its tenant id, so the tenant scope matches on `tenant_id` alone.
 */
const subjectColumn: Record<BudgetScope, string | undefined> = { tenant: undefined, user: 'user_id', agent: 'agent', session: 'session_id' };

/**
 * Rows of `table` (aliased `t`) that budget `b` covers: one branch per scope, glued with UNION
 * ALL. `b.scope = '…'` refers only to the outer row, so PostgreSQL evaluates it once per budget
 * (a one-time filter) and runs only the matching branch — a range scan of that scope's own
 * index, where one query with `CASE b.scope` would defeat every index but the tenant's.
 */
function covered(table: string, value: string, condition: string): string {
  return budgetScopes
    .map((scope) => {
      const column = subjectColumn[scope];
      const subject = column === undefined ? '' : ` AND t.${column} = b.scope_id`;
      return `SELECT t.${value} AS amount FROM ${table} AS t WHERE b.scope = '${scope}' AND t.tenant_id = b.tenant_id${subject}${condition}`;
    })
    .join('\n        UNION ALL ');
}

/**
 * Budgets (rows of `source`, aliased `b`) with their settled spend in the current period and
 * what calls in flight hold against them. The period bounds come from `budgetPeriodRange` in
 * TypeScript (one source of truth for both adapters), as parameters for the day and the month;
 * a `total` budget sums over all time.
 */
function budgetStatusSql(source: string, where: string): string {
  return `
    SELECT b.tenant_id, b.scope, b.scope_id, b.period, b.limit_nano_usd, b.updated_at,
      (SELECT COALESCE(SUM(amount), 0)::bigint FROM (
        ${covered('usage', 'cost_nano_usd', ' AND t.at >= period.start_at AND t.at < period.end_at')}) AS spent) AS spent,
      (SELECT COALESCE(SUM(amount), 0)::bigint FROM (
        ${covered('budget_reservations', 'amount_nano_usd', '')}) AS held) AS reserved
    FROM ${source}
    CROSS JOIN LATERAL (
      SELECT
        CASE b.period WHEN 'day' THEN :day_start::timestamptz WHEN 'month' THEN :month_start::timestamptz ELSE '-infinity'::timestamptz END AS start_at,
        CASE b.period WHEN 'day' THEN :day_end::timestamptz WHEN 'month' THEN :month_end::timestamptz ELSE 'infinity'::timestamptz END AS end_at
    ) AS period
    WHERE ${where}`;
}

/** The budgets covering a subject: at most one per scope, each a primary-key lookup. */
const coversSubject = `b.tenant_id = :tenant_id AND (b.scope, b.scope_id) IN (
  ('tenant', :tenant_id::text), ('user', :user_id::text), ('agent', :agent::text), ('session', :session_id::text))`;

const usageKey: Record<UsageGroupBy, string> = {
  user: 'user_id',
  agent: 'agent',
  model: "provider || ':' || model_id",
  tenant: 'tenant_id',
};

// SUM over bigint is numeric in PostgreSQL: cast back (sums stay far below 2^63). Ties order by
// the key's bytes (COLLATE "C"), as SQLite does, whatever the database's collation.
function queryUsageSql(groupBy: UsageGroupBy): string {
  const key = usageKey[groupBy];
  return `
    SELECT ${key} AS group_key,
      SUM(input_tokens)::bigint AS input_tokens, SUM(output_tokens)::bigint AS output_tokens,
      SUM(cached_tokens)::bigint AS cached_tokens, SUM(cost_nano_usd)::bigint AS total_cost, COUNT(*) AS calls
    FROM usage
    WHERE tenant_id = :tenant_id AND at >= :from::timestamptz AND at < :to::timestamptz
    GROUP BY ${key}
    ORDER BY total_cost DESC, (${key}) COLLATE "C"`;
}

const budgetColumns = 'tenant_id, scope, scope_id, period, limit_nano_usd, updated_at';

export const budgetSql = {
  hasCoveringBudget: namedSql(`SELECT EXISTS (SELECT 1 FROM budgets AS b WHERE ${coversSubject}) AS covered`, { prepare: 'keel_has_covering_budget' }),
  listBudgets: namedSql(
    budgetStatusSql(
      'budgets AS b',
      'b.tenant_id = :tenant_id AND (:scope::text IS NULL OR b.scope = :scope::text) AND (:scope_id::text IS NULL OR b.scope_id = :scope_id::text)',
    ),
  ),
  subjectBudgets: namedSql(budgetStatusSql('budgets AS b', coversSubject)),
  // The write and the status of what it wrote, in one statement.
  putBudget: namedSql(`
    WITH upserted AS (
      INSERT INTO budgets (${budgetColumns})
      VALUES (:tenant_id, :scope, :scope_id, :period, :limit_nano_usd::bigint, :now::timestamptz)
      ON CONFLICT (tenant_id, scope, scope_id) DO UPDATE SET
        period = excluded.period, limit_nano_usd = excluded.limit_nano_usd, updated_at = excluded.updated_at
      RETURNING ${budgetColumns})
    ${budgetStatusSql('upserted AS b', 'true')}`),

  // Locks the subject's budget rows, in one fixed order so that two reservations sharing
  // budgets can never deadlock; reservations that share no budget do not wait for each other.
  // In passing, drops what the run still holds (an attempt that died): only its own worker
  // ever writes a run's reservations, so this needs no lock of its own.
  lockSubjectBudgets: namedSql(`
    WITH dropped AS (DELETE FROM budget_reservations WHERE run_id = :run_id)
    SELECT 1 AS found FROM budgets AS b WHERE ${coversSubject} ORDER BY b.scope, b.scope_id FOR UPDATE`),
  deleteRunReservations: namedSql('DELETE FROM budget_reservations WHERE run_id = :run_id'),
  deleteBudget: namedSql('DELETE FROM budgets WHERE tenant_id = :tenant_id AND scope = :scope AND scope_id = :scope_id RETURNING 1 AS deleted'),
  // Reservations only mean something while a budget covers them (see BudgetStore.deleteBudget).
  deleteUncoveredReservations: namedSql(`
    DELETE FROM budget_reservations
    WHERE budget_reservations.tenant_id = :tenant_id AND NOT EXISTS (
      SELECT 1 FROM budgets AS b
      WHERE b.tenant_id = budget_reservations.tenant_id AND (
        (b.scope = 'tenant' AND b.scope_id = budget_reservations.tenant_id)
        OR (b.scope = 'user' AND b.scope_id = budget_reservations.user_id)
        OR (b.scope = 'agent' AND b.scope_id = budget_reservations.agent)
        OR (b.scope = 'session' AND b.scope_id = budget_reservations.session_id)))`),
  insertReservation: namedSql(`
    INSERT INTO budget_reservations (id, tenant_id, run_id, user_id, agent, session_id, amount_nano_usd, created_at)
    VALUES (:id, :tenant_id, :run_id, :user_id, :agent, :session_id, :amount_nano_usd::bigint, :now::timestamptz)`),

  queryUsageByUser: namedSql(queryUsageSql('user')),
  queryUsageByAgent: namedSql(queryUsageSql('agent')),
  queryUsageByModel: namedSql(queryUsageSql('model')),
  queryUsageByTenant: namedSql(queryUsageSql('tenant')),

  requeueWaiting: namedSql(`
    UPDATE runs SET status = 'queued', waiting_reason = NULL, updated_at = :now::timestamptz
    WHERE tenant_id = :tenant_id AND status = 'waiting' AND waiting_reason = :reason
      AND (:user_id::text IS NULL OR user_id = :user_id::text)
    RETURNING id`),
  recordAlert: namedSql(`
    INSERT INTO alerts (tenant_id, key, kind, payload, at) VALUES (:tenant_id, :key, :kind, :payload::json, :at::timestamptz)
    ON CONFLICT (tenant_id, key) DO NOTHING
    RETURNING 1 AS inserted`),
} as const;

export const queryUsageStatement: Record<UsageGroupBy, keyof typeof budgetSql> = {
  user: 'queryUsageByUser',
  agent: 'queryUsageByAgent',
  model: 'queryUsageByModel',
  tenant: 'queryUsageByTenant',
};
