import type { Migration } from './migration.ts';

/*
 * Cost control (issue 4). Money is whole nanodollars (1e-9 USD) in integer columns, so sums are
 * exact. `usage` is the ledger: one row per journaled model call, written in the same
 * transaction as its `model-response`; a budget's spend is a SUM over it, never a counter, so
 * it cannot drift. The ledger has no foreign key to `runs`: it is the billing record and must
 * outlive run retention. Its subject columns (user, agent, session) are copied from the run so
 * each budget sum is one range scan of one index, and the indexes carry `cost_nano_usd` so that
 * scan never visits the table. `budget_reservations` holds the estimates of calls in flight;
 * rows live only between a reservation and its settlement. `alerts` exists to deduplicate
 * alerts across processes: the (tenant, key) primary key lets exactly one insert win.
 */
export const costControl: Migration = {
  version: 4,
  name: 'usage-ledger-budgets-and-alerts',
  sql: {
    sqlite: `
CREATE TABLE usage (
  id INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  step INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  agent TEXT NOT NULL,
  session_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  model_id TEXT NOT NULL,
  input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
  output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
  cached_tokens INTEGER NOT NULL CHECK (cached_tokens >= 0),
  cost_nano_usd INTEGER NOT NULL CHECK (cost_nano_usd >= 0),
  latency_ms INTEGER NOT NULL CHECK (latency_ms >= 0),
  at TEXT NOT NULL
);

CREATE INDEX usage_tenant_at ON usage (tenant_id, at, cost_nano_usd);
CREATE INDEX usage_tenant_user_at ON usage (tenant_id, user_id, at, cost_nano_usd);
CREATE INDEX usage_tenant_agent_at ON usage (tenant_id, agent, at, cost_nano_usd);
CREATE INDEX usage_tenant_session_at ON usage (tenant_id, session_id, at, cost_nano_usd);
CREATE INDEX usage_run ON usage (run_id, step);

CREATE TABLE budgets (
  tenant_id TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('tenant', 'user', 'agent', 'session')),
  scope_id TEXT NOT NULL,
  period TEXT NOT NULL CHECK (period IN ('day', 'month', 'total')),
  limit_nano_usd INTEGER NOT NULL CHECK (limit_nano_usd >= 0),
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, scope, scope_id)
);

CREATE TABLE budget_reservations (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  agent TEXT NOT NULL,
  session_id TEXT NOT NULL,
  amount_nano_usd INTEGER NOT NULL CHECK (amount_nano_usd >= 0),
  created_at TEXT NOT NULL
);

CREATE INDEX budget_reservations_run ON budget_reservations (run_id);
CREATE INDEX budget_reservations_tenant_user ON budget_reservations (tenant_id, user_id);
CREATE INDEX budget_reservations_tenant_agent ON budget_reservations (tenant_id, agent);
CREATE INDEX budget_reservations_tenant_session ON budget_reservations (tenant_id, session_id);

CREATE TABLE alerts (
  tenant_id TEXT NOT NULL,
  key TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, key)
);

CREATE INDEX alerts_tenant_at ON alerts (tenant_id, at);

ALTER TABLE runs ADD COLUMN cost_nano_usd INTEGER NOT NULL DEFAULT 0;
`,
    // INCLUDE keeps the budget sums index-only; bigint holds up to ~9.2e9 USD in nanodollars.
    // payload is json, not jsonb, for the reason given in migration 1 (changed before the
    // PostgreSQL adapter first shipped).
    // Adding a NOT NULL column with a constant default rewrites nothing in PostgreSQL >= 11.
    postgres: `
CREATE TABLE usage (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id text NOT NULL,
  run_id text NOT NULL,
  step integer NOT NULL,
  user_id text NOT NULL,
  agent text NOT NULL,
  session_id text NOT NULL,
  provider text NOT NULL,
  model_id text NOT NULL,
  input_tokens bigint NOT NULL CHECK (input_tokens >= 0),
  output_tokens bigint NOT NULL CHECK (output_tokens >= 0),
  cached_tokens bigint NOT NULL CHECK (cached_tokens >= 0),
  cost_nano_usd bigint NOT NULL CHECK (cost_nano_usd >= 0),
  latency_ms integer NOT NULL CHECK (latency_ms >= 0),
  at timestamptz NOT NULL
);

CREATE INDEX usage_tenant_at ON usage (tenant_id, at) INCLUDE (cost_nano_usd);
CREATE INDEX usage_tenant_user_at ON usage (tenant_id, user_id, at) INCLUDE (cost_nano_usd);
CREATE INDEX usage_tenant_agent_at ON usage (tenant_id, agent, at) INCLUDE (cost_nano_usd);
CREATE INDEX usage_tenant_session_at ON usage (tenant_id, session_id, at) INCLUDE (cost_nano_usd);
CREATE INDEX usage_run ON usage (run_id, step);

CREATE TABLE budgets (
  tenant_id text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('tenant', 'user', 'agent', 'session')),
  scope_id text NOT NULL,
  period text NOT NULL CHECK (period IN ('day', 'month', 'total')),
  limit_nano_usd bigint NOT NULL CHECK (limit_nano_usd >= 0),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, scope, scope_id)
);

CREATE TABLE budget_reservations (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  run_id text NOT NULL,
  user_id text NOT NULL,
  agent text NOT NULL,
  session_id text NOT NULL,
  amount_nano_usd bigint NOT NULL CHECK (amount_nano_usd >= 0),
  created_at timestamptz NOT NULL
);

CREATE INDEX budget_reservations_run ON budget_reservations (run_id);
CREATE INDEX budget_reservations_tenant_user ON budget_reservations (tenant_id, user_id);
CREATE INDEX budget_reservations_tenant_agent ON budget_reservations (tenant_id, agent);
CREATE INDEX budget_reservations_tenant_session ON budget_reservations (tenant_id, session_id);

CREATE TABLE alerts (
  tenant_id text NOT NULL,
  key text NOT NULL,
  kind text NOT NULL,
  payload json NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, key)
);

CREATE INDEX alerts_tenant_at ON alerts (tenant_id, at);

ALTER TABLE runs ADD COLUMN cost_nano_usd bigint NOT NULL DEFAULT 0;
`,
  },
};
