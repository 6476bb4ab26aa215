import type { Migration } from './migration.ts';

/*
 * Deleting a session erases its conversation everywhere (ADR 0020): `runs.erased_at` records
 * when a run's content was erased, `sessions.deleted_at` hides the session (its row stays, with
 * no content, because its runs refer to it; a new run under the same id starts it afresh), and
 * `model_response_cache.run_id` ties a cached answer to the run whose call produced it, so
 * erasing a session can drop the answers its runs cached.
 */
export const sessionErasure: Migration = {
  version: 6,
  name: 'session-erasure',
  sql: {
    sqlite: `
ALTER TABLE runs ADD COLUMN erased_at TEXT;
ALTER TABLE sessions ADD COLUMN deleted_at TEXT;
ALTER TABLE model_response_cache ADD COLUMN run_id TEXT;
CREATE INDEX model_response_cache_run ON model_response_cache (run_id) WHERE run_id IS NOT NULL;
`,
    postgres: `
ALTER TABLE runs ADD COLUMN erased_at timestamptz;
ALTER TABLE sessions ADD COLUMN deleted_at timestamptz;
ALTER TABLE model_response_cache ADD COLUMN run_id text;
CREATE INDEX model_response_cache_run ON model_response_cache (run_id) WHERE run_id IS NOT NULL;
`,
  },
};
