import type { Migration } from './migration.ts';

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
export const initialSchema: Migration = {
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
