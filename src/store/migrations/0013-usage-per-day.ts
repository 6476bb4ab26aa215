import type { Migration } from './migration.ts';

/*
 * Budget spend per day, for SQLite. A user, agent or session budget was a SUM over the ledger
 * through one covering index per scope (migration 4): three more B-trees written by every model
 * call's commit, on top of the ledger row and its two indexes of time. With the unused
 * `usage_run` index they were about 5 of the 13 pages a turn's commit writes to the WAL.
 *
 * `usage_days` keeps what those sums read, already added up: the spend of each (tenant, scope,
 * subject) per UTC day, updated in the same transaction as the ledger row, so a budget's spend
 * still commits with its `model-response` or not at all. Budget periods are whole UTC days
 * (`budgetPeriodRange`), so a day's budget reads one row, a month's at most 31, an all-time
 * budget one per day with spend. Tenant budgets keep summing the ledger through
 * `usage_tenant_at`, which the usage API needs anyway; the ledger itself stays the billing record.
 *
 * PostgreSQL keeps the covering indexes: a total row per day would be one row that every
 * concurrent append of an agent (on every node) updates, serialising them on its lock, where
 * SQLite has one writer at a time anyway. It drops only `usage_run`, which no query reads (ADR 0025).
 */
export const usagePerDay: Migration = {
  version: 13,
  name: 'usage-per-day',
  onlyIn: { sqlite: ['usage_days'] },
  sql: {
    sqlite: `
CREATE TABLE usage_days (
  tenant_id TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('user', 'agent', 'session')),
  scope_id TEXT NOT NULL,
  day TEXT NOT NULL,
  cost_nano_usd INTEGER NOT NULL CHECK (cost_nano_usd >= 0),
  PRIMARY KEY (tenant_id, scope, scope_id, day)
) WITHOUT ROWID;

INSERT INTO usage_days (tenant_id, scope, scope_id, day, cost_nano_usd)
SELECT tenant_id, 'user', user_id, substr(at, 1, 10), SUM(cost_nano_usd) FROM usage WHERE cost_nano_usd > 0 GROUP BY tenant_id, user_id, substr(at, 1, 10)
UNION ALL
SELECT tenant_id, 'agent', agent, substr(at, 1, 10), SUM(cost_nano_usd) FROM usage WHERE cost_nano_usd > 0 GROUP BY tenant_id, agent, substr(at, 1, 10)
UNION ALL
SELECT tenant_id, 'session', session_id, substr(at, 1, 10), SUM(cost_nano_usd) FROM usage WHERE cost_nano_usd > 0 GROUP BY tenant_id, session_id, substr(at, 1, 10);

DROP INDEX usage_tenant_user_at;
DROP INDEX usage_tenant_agent_at;
DROP INDEX usage_tenant_session_at;
DROP INDEX usage_run;
`,
    postgres: `
DROP INDEX usage_run;
`,
  },
};
