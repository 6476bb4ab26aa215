import { namedSql } from './named-sql.ts';
import { runColumns } from '../run-columns.ts';

/*
 * SQL fragments shared by the run, claim and session statements (PostgreSQL spelling of
 * `sqlite/statements.ts`). Unfinished is spelled as the states it covers (the CHECK on `status`
 * makes that the same set): `IN` can use the runs_claim index, `NOT IN` would read every run
 * ever created.
 */
export const unfinished = "status IN ('queued', 'running', 'waiting')";
/** Runs that want a worker: queued or running, or waiting with a cancellation to carry out. */
export const wantsWorker = "(runs.status IN ('queued', 'running') OR (runs.status = 'waiting' AND runs.cancel_requested))";

/*
 * Parameters carry explicit casts: PostgreSQL infers a parameter's type from its first use, and
 * `:x IS NULL` alone says nothing. Timestamps are bound as ISO strings and JSON as text, so
 * nothing depends on the driver's own conversions of Date or objects (it would send arrays as
 * PostgreSQL arrays, not JSON).
 */
/**
 * Keyset paging: `creation_order <` the cursor run's is a range on the (tenant_id,
 * creation_order) index, or on creation_order's own unique index across tenants, so a deep page
 * costs the same as the first. A cursor run the tenant does not have compares with NULL: an
 * empty page. One tenant and all tenants are two statements, not one with an `OR`, so the
 * one-tenant listing every API request makes keeps its index.
 */
function listRunsSql(conditions: { tenant: string; cursorTenant: string }): string {
  return `
    SELECT ${runColumns}, creation_order FROM runs
    WHERE ${conditions.tenant} creation_order < CASE WHEN :after_run::text IS NULL THEN 9007199254740991
        ELSE (SELECT cursor_run.creation_order FROM runs AS cursor_run WHERE ${conditions.cursorTenant} cursor_run.id = :after_run::text) END
      AND (:status::text IS NULL OR status = :status::text)
      AND (:agent::text IS NULL OR agent = :agent::text)
      AND (:user_id::text IS NULL OR user_id = :user_id::text)
      AND (:session_id::text IS NULL OR session_id = :session_id::text)
      AND (:created_after::timestamptz IS NULL OR created_at >= :created_after::timestamptz)
      AND (:created_before::timestamptz IS NULL OR created_at < :created_before::timestamptz)
    ORDER BY creation_order DESC
    LIMIT :limit::integer`;
}

export const runSql = {
  getRun: namedSql(`SELECT ${runColumns} FROM runs WHERE tenant_id = :tenant_id AND id = :id`, { prepare: 'keel_get_run' }),
  getRunById: namedSql(`SELECT ${runColumns}, lease_epoch FROM runs WHERE id = :id`),
  getRunByIdempotencyKey: namedSql(`SELECT ${runColumns} FROM runs WHERE tenant_id = :tenant_id AND idempotency_key = :idempotency_key`),
  sessionHasUnfinishedRun: namedSql(`SELECT 1 AS busy FROM runs WHERE tenant_id = :tenant_id AND session_id = :session_id AND ${unfinished} LIMIT 1`),

  // Creates the session, or touches it, and locks its row either way: runs of one session are
  // then created one at a time, so the busy check that follows sees every run committed before.
  // `inserted` tells the two apart (xmax is 0 on a row version no transaction has locked).
  upsertSession: namedSql(`
    INSERT INTO sessions (tenant_id, id, user_id, agent, created_at, updated_at)
    VALUES (:tenant_id, :session_id, :user_id, :agent, :now::timestamptz, :now::timestamptz)
    ON CONFLICT (tenant_id, id) DO UPDATE SET updated_at = excluded.updated_at,
      -- A deleted session's row stays (its runs refer to it): a new run under its id starts it afresh.
      user_id = CASE WHEN sessions.deleted_at IS NULL THEN sessions.user_id ELSE excluded.user_id END,
      agent = CASE WHEN sessions.deleted_at IS NULL THEN sessions.agent ELSE excluded.agent END,
      created_at = CASE WHEN sessions.deleted_at IS NULL THEN sessions.created_at ELSE excluded.created_at END,
      deleted_at = NULL
    RETURNING user_id, (xmax = 0) AS inserted`),

  // The run and its run-start event in one statement. A concurrent request with the same
  // idempotency key makes this insert nothing (ON CONFLICT waits for the other transaction):
  // the caller then starts over and finds that run.
  insertRun: namedSql(`
    WITH run AS (
      INSERT INTO runs (id, tenant_id, agent, session_id, user_id, status, input, usage, metadata, idempotency_key,
                        traceparent, last_seq, created_at, updated_at)
      VALUES (:id, :tenant_id, :agent, :session_id, :user_id, 'queued', :input, :usage::json, :metadata::json,
              :idempotency_key::text, :traceparent::text, 1, :now::timestamptz, :now::timestamptz)
      ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
      RETURNING ${runColumns}),
    start AS (
      INSERT INTO journal (run_id, seq, type, v, at, data)
      SELECT id, 1, 'run-start', :v::smallint, :now::timestamptz, :data::json FROM run)
    SELECT * FROM run`),

  readJournal: namedSql(`SELECT seq, type, v, at, data FROM journal WHERE run_id = :run_id AND seq > :after_seq::integer ORDER BY seq LIMIT :limit::integer`, {
    prepare: 'keel_read_journal',
  }),

  listRuns: namedSql(listRunsSql({ tenant: 'tenant_id = :tenant_id AND', cursorTenant: 'cursor_run.tenant_id = :tenant_id AND' })),
  listRunsAllTenants: namedSql(listRunsSql({ tenant: '', cursorTenant: '' })),
  findRunTenant: namedSql('SELECT tenant_id FROM runs WHERE id = :id'),

  // The main query of a statement does not see what its own CTE changed: the changed row comes
  // from RETURNING, the unchanged one from the table.
  requestCancel: namedSql(`
    WITH changed AS (
      UPDATE runs SET cancel_requested = true, updated_at = :now::timestamptz
      WHERE tenant_id = :tenant_id AND id = :id AND NOT cancel_requested AND ${unfinished}
      RETURNING ${runColumns})
    SELECT * FROM changed
    UNION ALL
    SELECT ${runColumns} FROM runs WHERE tenant_id = :tenant_id AND id = :id AND NOT EXISTS (SELECT 1 FROM changed)`),
  markRunnable: namedSql(`
    WITH changed AS (
      UPDATE runs SET status = 'queued', waiting_reason = NULL, updated_at = :now::timestamptz
      WHERE tenant_id = :tenant_id AND id = :id AND status = 'waiting'
      RETURNING ${runColumns})
    SELECT * FROM changed
    UNION ALL
    SELECT ${runColumns} FROM runs WHERE tenant_id = :tenant_id AND id = :id AND NOT EXISTS (SELECT 1 FROM changed)`),

  getSession: namedSql(
    'SELECT tenant_id, id, user_id, agent, created_at, updated_at FROM sessions WHERE tenant_id = :tenant_id AND id = :id AND deleted_at IS NULL',
  ),
  lockSession: namedSql('SELECT 1 AS found FROM sessions WHERE tenant_id = :tenant_id AND id = :id AND deleted_at IS NULL FOR NO KEY UPDATE'),
  listMessages: namedSql('SELECT message FROM session_messages WHERE tenant_id = :tenant_id AND session_id = :session_id ORDER BY position'),
  deleteMessages: namedSql('DELETE FROM session_messages WHERE tenant_id = :tenant_id AND session_id = :session_id'),

  // Erasing a session (see erase-content.ts): its runs' journals are read, blanked in code and
  // written back; the runs keep their ids, usage and cost; cached answers they produced go.
  sessionJournal: namedSql(`
    SELECT journal.run_id, journal.seq, journal.type, journal.data FROM journal
    JOIN runs ON runs.id = journal.run_id
    WHERE runs.tenant_id = :tenant_id AND runs.session_id = :session_id`),
  rewriteJournal: namedSql(`
    UPDATE journal SET data = erased.data::json
    FROM unnest(:run_ids::text[], :seqs::integer[], :datas::text[]) AS erased(run_id, seq, data)
    WHERE journal.run_id = erased.run_id AND journal.seq = erased.seq`),
  eraseRuns: namedSql(`
    UPDATE runs SET input = '', output = NULL,
      error = CASE WHEN error IS NULL THEN NULL ELSE json_build_object('code', error->>'code', 'message', '') END,
      erased_at = :now::timestamptz, updated_at = :now::timestamptz
    WHERE tenant_id = :tenant_id AND session_id = :session_id`),
  deleteCachedAnswers: namedSql(`
    DELETE FROM model_response_cache WHERE tenant_id = :tenant_id
      AND run_id IN (SELECT id FROM runs WHERE tenant_id = :tenant_id AND session_id = :session_id)`),
  eraseOversight: namedSql(`
    WITH session_runs AS (SELECT id FROM runs WHERE tenant_id = :tenant_id AND session_id = :session_id),
    approvals_erased AS (
      UPDATE approvals SET input = NULL, decided_input = NULL, reason = '', decision_reason = NULL WHERE run_id IN (SELECT id FROM session_runs) RETURNING 1),
    escalations_erased AS (
      UPDATE escalations SET handoff = '{}'::json, reason = '' WHERE run_id IN (SELECT id FROM session_runs) RETURNING 1)
    UPDATE feedback SET correction = NULL, comment = NULL WHERE run_id IN (SELECT id FROM session_runs)`),
  markSessionDeleted: namedSql(
    'UPDATE sessions SET deleted_at = :now::timestamptz, updated_at = :now::timestamptz WHERE tenant_id = :tenant_id AND id = :session_id',
  ),
} as const;
