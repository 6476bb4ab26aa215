import type { Migration } from './migration.ts';

/*
 * Observability (traces, metrics, alert rules; ADR 0016).
 * - `runs.traceparent`: the W3C trace context the run was started in (NULL: none was given; the
 *   run's trace id is then derived from its id, so nothing needs storing).
 * - `runs_ended`: the alert rules count runs that ended in a recent window. Partial, so runs in
 *   flight are not in it; `ended_at` is written once, by the run's last append, so in PostgreSQL
 *   every other append stays a HOT update.
 * - `usage_at`: the p95 latency rule reads recent model calls across tenants.
 * - `named_leases`: a small generic lease (owner and expiry per name), so that exactly one node
 *   evaluates the alert rules at a time; acquire and renew are one conditional upsert.
 * - `alert_cooldowns`: when each alert (tenant, kind, subject) last fired; the conditional upsert
 *   on it is what makes "once per cooldown" hold across nodes. What fired is kept in `alerts`
 *   (migration 4) with the spend alerts, for the dashboard.
 */
export const observability: Migration = {
  version: 9,
  name: 'observability',
  sql: {
    sqlite: `
ALTER TABLE runs ADD COLUMN traceparent TEXT;

CREATE INDEX runs_ended ON runs (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX usage_at ON usage (at);

CREATE TABLE named_leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at TEXT NOT NULL
);

CREATE TABLE alert_cooldowns (
  tenant_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  fired_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, kind, subject)
);
`,
    postgres: `
ALTER TABLE runs ADD COLUMN traceparent text;

CREATE INDEX runs_ended ON runs (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX usage_at ON usage (at);

CREATE TABLE named_leases (
  name text PRIMARY KEY,
  owner text NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE alert_cooldowns (
  tenant_id text NOT NULL,
  kind text NOT NULL,
  subject text NOT NULL,
  fired_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, kind, subject)
);
`,
  },
};
