import type { StatementSync } from 'node:sqlite';
import type { BudgetScope, UsageGroupBy } from '../budget-store.ts';

/**
 * The reservation column each scope's budgets are matched on. A tenant budget's id is its
 * tenant id, so the tenant scope matches on `tenant_id` again (true by construction).
 */
const subjectColumn: Record<BudgetScope, string> = { tenant: 'tenant_id', user: 'user_id', agent: 'agent', session: 'session_id' };

/**
 * A budget's settled spend in `[from, to)` and what calls in flight hold against it. A tenant's
 * spend is one range scan of the ledger's (tenant, at, cost) index, never touching the table; a
 * user's, agent's or session's adds up its days in `usage_days` (migration 13). Budget periods
 * are whole UTC days, so the days are the ISO dates of the bounds.
 */
function budgetTotalsSql(scope: BudgetScope): string {
  const spent =
    scope === 'tenant'
      ? `SELECT COALESCE(SUM(cost_nano_usd), 0) FROM usage
       WHERE tenant_id = :tenant_id AND at >= :from AND at < :to`
      : `SELECT COALESCE(SUM(cost_nano_usd), 0) FROM usage_days
       WHERE tenant_id = :tenant_id AND scope = '${scope}' AND scope_id = :scope_id AND day >= substr(:from, 1, 10) AND day < substr(:to, 1, 10)`;
  return `
    SELECT
      (${spent}) AS spent,
      (SELECT COALESCE(SUM(amount_nano_usd), 0) FROM budget_reservations
       WHERE tenant_id = :tenant_id AND ${subjectColumn[scope]} = :scope_id) AS reserved`;
}

const usageKey: Record<UsageGroupBy, string> = {
  user: 'user_id',
  agent: 'agent',
  model: "provider || ':' || model_id",
  tenant: 'tenant_id',
};

function queryUsageSql(groupBy: UsageGroupBy): string {
  return `
    SELECT ${usageKey[groupBy]} AS group_key,
      SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cached_tokens) AS cached_tokens,
      SUM(cost_nano_usd) AS total_cost, COUNT(*) AS calls
    FROM usage
    WHERE tenant_id = :tenant_id AND at >= :from AND at < :to
    GROUP BY group_key
    ORDER BY total_cost DESC, group_key`;
}

const budgetColumns = 'tenant_id, scope, scope_id, period, limit_nano_usd, updated_at';

/** Spread into `statements.ts`, so these are prepared with the others (`append` uses two of them). */
export const budgetSql = {
  // The subject's budgets: four primary-key lookups (SQLite's OR optimisation), the one read
  // a model call pays when no budget applies. This and `insertUsage` run on every model call:
  // their parameters are bound by position (node:sqlite looks a named one up on every call),
  // here ?1 tenant, ?2 user, ?3 agent, ?4 session.
  findSubjectBudgets: `
    SELECT ${budgetColumns} FROM budgets
    WHERE (tenant_id = ?1 AND scope = 'tenant' AND scope_id = ?1)
       OR (tenant_id = ?1 AND scope = 'user' AND scope_id = ?2)
       OR (tenant_id = ?1 AND scope = 'agent' AND scope_id = ?3)
       OR (tenant_id = ?1 AND scope = 'session' AND scope_id = ?4)`,
  listBudgets: `
    SELECT ${budgetColumns} FROM budgets
    WHERE tenant_id = :tenant_id AND (:scope IS NULL OR scope = :scope) AND (:scope_id IS NULL OR scope_id = :scope_id)`,
  upsertBudget: `
    INSERT INTO budgets (tenant_id, scope, scope_id, period, limit_nano_usd, updated_at)
    VALUES (:tenant_id, :scope, :scope_id, :period, :limit_nano_usd, :now)
    ON CONFLICT (tenant_id, scope, scope_id) DO UPDATE SET
      period = excluded.period, limit_nano_usd = excluded.limit_nano_usd, updated_at = excluded.updated_at
    RETURNING ${budgetColumns}`,

  deleteBudget: 'DELETE FROM budgets WHERE tenant_id = :tenant_id AND scope = :scope AND scope_id = :scope_id RETURNING 1 AS deleted',
  // Reservations only mean something while a budget covers them (see BudgetStore.deleteBudget).
  deleteUncoveredReservations: `
    DELETE FROM budget_reservations
    WHERE budget_reservations.tenant_id = :tenant_id AND NOT EXISTS (
      SELECT 1 FROM budgets AS b
      WHERE b.tenant_id = budget_reservations.tenant_id AND (
        (b.scope = 'tenant' AND b.scope_id = budget_reservations.tenant_id)
        OR (b.scope = 'user' AND b.scope_id = budget_reservations.user_id)
        OR (b.scope = 'agent' AND b.scope_id = budget_reservations.agent)
        OR (b.scope = 'session' AND b.scope_id = budget_reservations.session_id)))`,

  budgetTotalsTenant: budgetTotalsSql('tenant'),
  budgetTotalsUser: budgetTotalsSql('user'),
  budgetTotalsAgent: budgetTotalsSql('agent'),
  budgetTotalsSession: budgetTotalsSql('session'),

  insertReservation: `
    INSERT INTO budget_reservations (id, tenant_id, run_id, user_id, agent, session_id, amount_nano_usd, created_at)
    VALUES (:id, :tenant_id, :run_id, :user_id, :agent, :session_id, :amount_nano_usd, :now)`,
  deleteRunReservations: 'DELETE FROM budget_reservations WHERE run_id = ?',
  // Scoped by run too, so a call can only ever settle its own run's reservation.
  settleReservation: 'DELETE FROM budget_reservations WHERE id = ? AND run_id = ?',

  // A call's cost added to its user's, agent's and session's day (see budgetTotalsSql).
  addUsageDays: `
    INSERT INTO usage_days (tenant_id, scope, scope_id, day, cost_nano_usd)
    VALUES (:tenant_id, 'user', :user_id, :day, :cost_nano_usd), (:tenant_id, 'agent', :agent, :day, :cost_nano_usd),
           (:tenant_id, 'session', :session_id, :day, :cost_nano_usd)
    ON CONFLICT (tenant_id, scope, scope_id, day) DO UPDATE SET cost_nano_usd = usage_days.cost_nano_usd + excluded.cost_nano_usd`,
  insertUsage: `
    INSERT INTO usage (tenant_id, run_id, step, user_id, agent, session_id, provider, model_id,
                       input_tokens, output_tokens, cached_tokens, cost_nano_usd, latency_ms, at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  queryUsageByUser: queryUsageSql('user'),
  queryUsageByAgent: queryUsageSql('agent'),
  queryUsageByModel: queryUsageSql('model'),
  queryUsageByTenant: queryUsageSql('tenant'),

  requeueWaiting: `
    UPDATE runs SET status = 'queued', waiting_reason = NULL, updated_at = :now
    WHERE tenant_id = :tenant_id AND status = 'waiting' AND waiting_reason = :reason
      AND (:user_id IS NULL OR user_id = :user_id)
    RETURNING id`,
  recordAlert: `
    INSERT INTO alerts (tenant_id, key, kind, payload, at) VALUES (:tenant_id, :key, :kind, :payload, :at)
    ON CONFLICT (tenant_id, key) DO NOTHING
    RETURNING 1 AS inserted`,
} as const;

export type BudgetStatements = Record<keyof typeof budgetSql, StatementSync>;

export const budgetTotalsStatement: Record<BudgetScope, keyof typeof budgetSql> = {
  tenant: 'budgetTotalsTenant',
  user: 'budgetTotalsUser',
  agent: 'budgetTotalsAgent',
  session: 'budgetTotalsSession',
};

export const queryUsageStatement: Record<UsageGroupBy, keyof typeof budgetSql> = {
  user: 'queryUsageByUser',
  agent: 'queryUsageByAgent',
  model: 'queryUsageByModel',
  tenant: 'queryUsageByTenant',
};
