import type { Migration } from './migration.ts';

/*
 * Human oversight (ADR 0021): the approval inbox, escalations, feedback and each tenant's
 * approval policy. The journal records what happened to a run; these tables index it for the
 * people working the inbox, and are written in the same transaction as the events they index.
 *
 * - `approvals`: one row per gated tool call (its id derives from run, step and call). A
 *   decision is an UPDATE guarded by `status = 'pending'`, so it is accepted once across nodes.
 *   The two partial indexes serve the timeout and escalation-chain sweeps; listings page by
 *   (created_at, id), a total order.
 * - `escalations`: one row per hand-off to a human, with its handoff package.
 * - `feedback`: one rating per end user per run, replaced by a later one.
 * - `approval_policies`: tools a tenant always gates, whatever its agents say.
 */
export const oversight: Migration = {
  version: 8,
  name: 'oversight',
  sql: {
    sqlite: `
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  agent TEXT NOT NULL,
  user_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  step INTEGER NOT NULL,
  call_id TEXT NOT NULL,
  tool_name TEXT NOT NULL,
  input TEXT,
  reason TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('tool', 'guardrail', 'policy')),
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'edited')),
  decided_input TEXT,
  decision_reason TEXT,
  decided_by TEXT,
  created_at TEXT NOT NULL,
  decided_at TEXT,
  expires_at TEXT NOT NULL,
  level INTEGER NOT NULL DEFAULT 0,
  level_group TEXT,
  next_level_at TEXT
);
CREATE INDEX approvals_tenant ON approvals (tenant_id, created_at, id);
CREATE INDEX approvals_run ON approvals (run_id);
CREATE INDEX approvals_expiry ON approvals (expires_at) WHERE status = 'pending';
CREATE INDEX approvals_next_level ON approvals (next_level_at) WHERE status = 'pending' AND next_level_at IS NOT NULL;

CREATE TABLE escalations (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  agent TEXT NOT NULL,
  user_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  trigger TEXT NOT NULL,
  reason TEXT NOT NULL,
  handoff TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'handed-back', 'resolved')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  resolved_at TEXT
);
CREATE INDEX escalations_tenant ON escalations (tenant_id, created_at, id);
CREATE INDEX escalations_run ON escalations (run_id);

CREATE TABLE feedback (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  agent TEXT NOT NULL,
  rating INTEGER NOT NULL CHECK (rating IN (1, -1)),
  correction TEXT,
  comment TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (run_id, user_id)
);
CREATE INDEX feedback_tenant ON feedback (tenant_id, updated_at, run_id, user_id);

CREATE TABLE approval_policies (
  tenant_id TEXT PRIMARY KEY,
  require_approval TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`,
    postgres: `
CREATE TABLE approvals (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  agent text NOT NULL,
  user_id text NOT NULL,
  session_id text NOT NULL,
  step integer NOT NULL,
  call_id text NOT NULL,
  tool_name text NOT NULL,
  input json,
  reason text NOT NULL,
  source text NOT NULL CHECK (source IN ('tool', 'guardrail', 'policy')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'edited')),
  decided_input json,
  decision_reason text,
  decided_by json,
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  expires_at timestamptz NOT NULL,
  level integer NOT NULL DEFAULT 0,
  level_group text,
  next_level_at timestamptz
);
CREATE INDEX approvals_tenant ON approvals (tenant_id, created_at, id);
CREATE INDEX approvals_run ON approvals (run_id);
CREATE INDEX approvals_expiry ON approvals (expires_at) WHERE status = 'pending';
CREATE INDEX approvals_next_level ON approvals (next_level_at) WHERE status = 'pending' AND next_level_at IS NOT NULL;

CREATE TABLE escalations (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  agent text NOT NULL,
  user_id text NOT NULL,
  session_id text NOT NULL,
  trigger text NOT NULL,
  reason text NOT NULL,
  handoff json NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'handed-back', 'resolved')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  resolved_at timestamptz
);
CREATE INDEX escalations_tenant ON escalations (tenant_id, created_at, id);
CREATE INDEX escalations_run ON escalations (run_id);

CREATE TABLE feedback (
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  user_id text NOT NULL,
  tenant_id text NOT NULL,
  agent text NOT NULL,
  rating integer NOT NULL CHECK (rating IN (1, -1)),
  correction text,
  comment text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (run_id, user_id)
);
CREATE INDEX feedback_tenant ON feedback (tenant_id, updated_at, run_id, user_id);

CREATE TABLE approval_policies (
  tenant_id text PRIMARY KEY,
  require_approval json NOT NULL,
  updated_at timestamptz NOT NULL
);
`,
  },
};
