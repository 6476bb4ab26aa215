import type { Migration } from './migration.ts';

/*
 * Dashboard sign-ins (ADR 0023). The browser's cookie holds a random token; the database holds
 * only its SHA-256 (`token_hash`), so neither a read of this table nor a leaked cookie yields an
 * API key. `key_id` and `tenant_id` name the key the person signed in with: each request looks
 * the key up again, so revoking it ends its sign-ins at once. `expires_at` is when the sign-in
 * ends (12 hours after `created_at`); expired rows are swept, and signing out deletes the row.
 * No conversation content: nothing here for session erasure to touch.
 */
export const dashboardSessions: Migration = {
  version: 11,
  name: 'dashboard-sessions',
  sql: {
    sqlite: `
CREATE TABLE dashboard_sessions (
  token_hash TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);

CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);
`,
    postgres: `
CREATE TABLE dashboard_sessions (
  token_hash text PRIMARY KEY,
  key_id text NOT NULL,
  tenant_id text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);
`,
  },
};
