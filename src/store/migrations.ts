import { costControl } from './cost-control-migration.ts';
import { modelResponseCache } from './model-cache-migration.ts';
import type { Store } from './store.ts';

export type Dialect = Store['dialect'];

/**
 * One schema change, with the SQL for every dialect side by side so the two adapters cannot
 * drift apart unnoticed. Migrations are append-only: never edit one that has shipped, add the
 * next version instead. Each adapter applies the pending ones in `version` order inside one
 * transaction and records them in `schema_migrations`.
 */
export interface Migration {
  version: number;
  name: string;
  sql: Record<Dialect, string>;
}

/** Created before any migration runs; it is how an adapter knows which ones are applied. */
export const schemaMigrationsTable: Record<Dialect, string> = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL
)`,
};

/*
 * Notes that hold for both dialects:
 * - `runs.creation_order` is the order runs were created in. Sessions queue by it and listings
 *   page by it (keyset, newest first), so it must never be reused: AUTOINCREMENT in SQLite, an
 *   identity column in PostgreSQL.
 * - The run row holds only small, fixed-size state; everything a run accumulates lives in
 *   `journal`, one row per event, so an append writes O(new events) bytes.
 * - `journal.data` is the event without `type` (a column of its own); `seq`, `at` and `v` are
 *   columns too and are never repeated inside the JSON.
 * - Timestamps are ISO-8601 UTC strings in SQLite (they sort as text) and timestamptz in PostgreSQL.
 */
const initialSchema: Migration = {
  version: 1,
  name: 'initial-schema',
  sql: {
    sqlite: `
CREATE TABLE sessions (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  agent TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE runs (
  creation_order INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  agent TEXT NOT NULL,
  session_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'waiting', 'completed', 'failed', 'cancelled')),
  waiting_reason TEXT,
  input TEXT NOT NULL,
  output TEXT,
  error TEXT,
  usage TEXT NOT NULL,
  metadata TEXT NOT NULL,
  idempotency_key TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  last_seq INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_epoch INTEGER NOT NULL DEFAULT 0,
  lease_expires_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  started_at TEXT,
  ended_at TEXT,
  FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id)
);

CREATE INDEX runs_claim ON runs (status, lease_expires_at);
CREATE INDEX runs_tenant_order ON runs (tenant_id, creation_order);
CREATE INDEX runs_session_queue ON runs (tenant_id, session_id, creation_order);
CREATE UNIQUE INDEX runs_idempotency ON runs (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE journal (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  v INTEGER NOT NULL,
  at TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE session_messages (
  tenant_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  message TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, session_id, position),
  FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX session_messages_run ON session_messages (run_id);
`,
    // fillfactor leaves room on each page so the per-append UPDATE of a run (last_seq,
    // updated_at: no indexed column) can be a HOT update instead of a new index entry.
    // Every JSON column is json, not jsonb: Keel only ever reads them whole, json stores the text
    // as written (cheaper on the hot write path), and jsonb refuses the escape \u0000, which
    // model and tool text may hold and SQLite stores — a run whose output held one could never
    // end. (The columns of runs were jsonb until the PostgreSQL adapter first shipped; no
    // PostgreSQL database had been migrated before, so the change is made here, not in a new
    // migration.)
    postgres: `
CREATE TABLE sessions (
  tenant_id text NOT NULL,
  id text NOT NULL,
  user_id text NOT NULL,
  agent text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE runs (
  id text PRIMARY KEY,
  creation_order bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  tenant_id text NOT NULL,
  agent text NOT NULL,
  session_id text NOT NULL,
  user_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'waiting', 'completed', 'failed', 'cancelled')),
  waiting_reason text,
  input text NOT NULL,
  output json,
  error json,
  usage json NOT NULL,
  metadata json NOT NULL,
  idempotency_key text,
  cancel_requested boolean NOT NULL DEFAULT false,
  last_seq integer NOT NULL DEFAULT 0,
  lease_owner text,
  lease_epoch bigint NOT NULL DEFAULT 0,
  lease_expires_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  started_at timestamptz,
  ended_at timestamptz,
  FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id)
) WITH (fillfactor = 80);

CREATE INDEX runs_claim ON runs (status, lease_expires_at);
CREATE INDEX runs_tenant_order ON runs (tenant_id, creation_order);
CREATE INDEX runs_session_queue ON runs (tenant_id, session_id, creation_order);
CREATE UNIQUE INDEX runs_idempotency ON runs (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE journal (
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  type text NOT NULL,
  v smallint NOT NULL,
  at timestamptz NOT NULL,
  data json NOT NULL,
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE session_messages (
  tenant_id text NOT NULL,
  session_id text NOT NULL,
  position integer NOT NULL,
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  message json NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, session_id, position),
  FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX session_messages_run ON session_messages (run_id);
`,
  },
};

/*
 * API keys: only the SHA-256 of a key is stored (keys are 256-bit random, so no salt or slow
 * hash is needed to resist guessing). `key_hash` is unique and indexed because every request
 * looks its key up by it, across tenants.
 */
const apiKeys: Migration = {
  version: 2,
  name: 'api-keys',
  sql: {
    sqlite: `
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'app', 'reviewer', 'viewer')),
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);
`,
    postgres: `
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'app', 'reviewer', 'viewer')),
  key_hash text NOT NULL UNIQUE,
  key_prefix text NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);

CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);
`,
  },
};

/*
 * Protection (ADR 0003). `tenant_limits` holds each tenant's own limits, and under tenant id '*'
 * the defaults; NULL means "not set here" (the default applies; no limit if that is NULL too).
 * `window_counters` holds sliding-window rate-limit counters (times in epoch milliseconds), one
 * row per key, updated by a single conditional upsert.
 */
const tenantLimits: Migration = {
  version: 3,
  name: 'tenant-limits-and-window-counters',
  sql: {
    sqlite: `
CREATE TABLE tenant_limits (
  tenant_id TEXT PRIMARY KEY,
  max_concurrent_runs INTEGER CHECK (max_concurrent_runs >= 0),
  user_requests_limit INTEGER CHECK (user_requests_limit >= 0),
  user_requests_window_ms INTEGER CHECK (user_requests_window_ms > 0),
  user_tokens_limit INTEGER CHECK (user_tokens_limit >= 0),
  user_tokens_window_ms INTEGER CHECK (user_tokens_window_ms > 0),
  updated_at TEXT NOT NULL,
  CHECK ((user_requests_limit IS NULL) = (user_requests_window_ms IS NULL)),
  CHECK ((user_tokens_limit IS NULL) = (user_tokens_window_ms IS NULL))
);

CREATE TABLE window_counters (
  counter_key TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,
  window_ms INTEGER NOT NULL,
  current_count INTEGER NOT NULL,
  previous_count INTEGER NOT NULL
);
`,
    // window_counters rows are updated on every request: fillfactor leaves room for HOT updates.
    postgres: `
CREATE TABLE tenant_limits (
  tenant_id text PRIMARY KEY,
  max_concurrent_runs integer CHECK (max_concurrent_runs >= 0),
  user_requests_limit bigint CHECK (user_requests_limit >= 0),
  user_requests_window_ms bigint CHECK (user_requests_window_ms > 0),
  user_tokens_limit bigint CHECK (user_tokens_limit >= 0),
  user_tokens_window_ms bigint CHECK (user_tokens_window_ms > 0),
  updated_at timestamptz NOT NULL,
  CHECK ((user_requests_limit IS NULL) = (user_requests_window_ms IS NULL)),
  CHECK ((user_tokens_limit IS NULL) = (user_tokens_window_ms IS NULL))
);

CREATE TABLE window_counters (
  counter_key text PRIMARY KEY,
  window_start bigint NOT NULL,
  window_ms bigint NOT NULL,
  current_count bigint NOT NULL,
  previous_count bigint NOT NULL
) WITH (fillfactor = 80);
`,
  },
};

/** Every migration, oldest first. */
export const migrations: readonly Migration[] = [initialSchema, apiKeys, tenantLimits, costControl, modelResponseCache];
