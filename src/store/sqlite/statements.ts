import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { budgetSql } from './budget-statements.ts';
import { cappedClaimRunSql, fairClaimRunnableSql } from './claim-statements.ts';
import { limitSql } from './limits.ts';
import { runColumns } from '../run-columns.ts';

const unfinished = "status NOT IN ('completed', 'failed', 'cancelled')";
/** Runs that want a worker: queued or running, or waiting with a cancellation to carry out. */
const wantsWorker = "(runs.status IN ('queued', 'running') OR (runs.status = 'waiting' AND runs.cancel_requested = 1))";

/**
 * A run may be claimed when it wants a worker (or is waiting and the caller asked for waiting
 * runs), nobody holds a live lease on it, and no older unfinished run of its session is ahead of
 * it: a session runs one run at a time, in order.
 */
const claimableWhen = (wants: string) => `
  ${wants}
  AND (runs.lease_expires_at IS NULL OR runs.lease_expires_at <= :now)
  AND NOT EXISTS (
    SELECT 1 FROM runs AS ahead
    WHERE ahead.tenant_id = runs.tenant_id AND ahead.session_id = runs.session_id
      AND ahead.creation_order < runs.creation_order AND ahead.${unfinished})`;
const claimable = claimableWhen(`(${wantsWorker} OR (runs.status = 'waiting' AND :include_waiting = 1))`);
/*
 * The same test as `wantsWorker`, written as one `status IN` term so the claim reads only the
 * runs in those states through the `runs_claim` index, never the ever-growing finished ones.
 */
const workerClaimable = claimableWhen("runs.status IN ('queued', 'running', 'waiting') AND (runs.status <> 'waiting' OR runs.cancel_requested = 1)");

/**
 * Keyset paging: `creation_order <` the cursor run's is a range on the (tenant_id,
 * creation_order) index, or on the table itself across tenants (creation_order is its rowid), so
 * a deep page costs the same as the first. A cursor run the tenant does not have compares with
 * NULL: an empty page. One tenant and all tenants are two statements, not one with an `OR`, so
 * the one-tenant listing every API request makes keeps its index.
 */
function listRunsSql(conditions: { tenant: string; cursorTenant: string }): string {
  return `
    SELECT ${runColumns}, creation_order FROM runs
    WHERE ${conditions.tenant} creation_order < CASE WHEN :after_run IS NULL THEN 9007199254740991
        ELSE (SELECT cursor_run.creation_order FROM runs AS cursor_run WHERE ${conditions.cursorTenant} cursor_run.id = :after_run) END
      AND (:status IS NULL OR status = :status)
      AND (:agent IS NULL OR agent = :agent)
      AND (:user_id IS NULL OR user_id = :user_id)
      AND (:session_id IS NULL OR session_id = :session_id)
      AND (:created_after IS NULL OR created_at >= :created_after)
      AND (:created_before IS NULL OR created_at < :created_before)
    ORDER BY creation_order DESC
    LIMIT :limit`;
}

const sql = {
  getRun: `SELECT ${runColumns} FROM runs WHERE tenant_id = ? AND id = ?`,
  getRunById: `SELECT ${runColumns}, lease_epoch FROM runs WHERE id = ?`,
  getRunByIdempotencyKey: `SELECT ${runColumns} FROM runs WHERE tenant_id = ? AND idempotency_key = ?`,
  sessionHasUnfinishedRun: `SELECT 1 AS busy FROM runs WHERE tenant_id = ? AND session_id = ? AND ${unfinished} LIMIT 1`,
  insertRun: `
    INSERT INTO runs (id, tenant_id, agent, session_id, user_id, status, input, usage, metadata, idempotency_key,
                      traceparent, last_seq, created_at, updated_at)
    VALUES (:id, :tenant_id, :agent, :session_id, :user_id, 'queued', :input, :usage, :metadata, :idempotency_key,
            :traceparent, 1, :now, :now)
    RETURNING ${runColumns}`,

  // The hot path. `last_seq = :last_seq` is the fence that makes appends gapless, and
  // `lease_epoch = :epoch` the one that shuts out a worker whose lease was taken over. Only the
  // fields in the patch change (CASE on a flag where null is a value of its own).
  fencedUpdate: `
    UPDATE runs SET
      last_seq = :new_last_seq,
      updated_at = :now,
      status = COALESCE(:status, status),
      waiting_reason = CASE WHEN :set_waiting_reason = 1 THEN :waiting_reason ELSE waiting_reason END,
      output = COALESCE(:output, output),
      error = CASE WHEN :set_error = 1 THEN :error ELSE error END,
      usage = COALESCE(:usage, usage),
      started_at = COALESCE(:started_at, started_at),
      ended_at = COALESCE(:ended_at, ended_at),
      cost_nano_usd = COALESCE(:cost_nano_usd, cost_nano_usd),
      lease_owner = CASE WHEN :release_lease = 1 THEN NULL ELSE lease_owner END,
      lease_expires_at = CASE WHEN :release_lease = 1 THEN NULL ELSE lease_expires_at END
    WHERE id = :run_id AND lease_epoch = :epoch AND last_seq = :last_seq
    RETURNING tenant_id, session_id, user_id, agent`,
  // The same fenced update for the commits of a turn, which move the run's progress only (its
  // sequence, usage and cost). It names no indexed column: SQLite rewrites the entries of every
  // index whose columns an UPDATE sets, even to the same value, and `status` in `fencedUpdate`
  // would cost each turn's commit a page of `runs_claim`.
  // Every turn's commit runs this one: numbered parameters, bound by position (see `append`),
  // since node:sqlite looks a named one up on every call (about 0.2 µs a parameter).
  fencedProgress: `
    UPDATE runs SET
      last_seq = ?4,
      updated_at = ?5,
      usage = COALESCE(?6, usage),
      cost_nano_usd = COALESCE(?7, cost_nano_usd)
    WHERE id = ?1 AND lease_epoch = ?2 AND last_seq = ?3
    RETURNING tenant_id, session_id, user_id, agent`,
  insertJournal: 'INSERT INTO journal (run_id, seq, type, v, at, data) VALUES (?, ?, ?, ?, ?, ?)',
  readJournal: 'SELECT seq, type, v, at, data FROM journal WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',

  listRuns: listRunsSql({ tenant: 'tenant_id = :tenant_id AND', cursorTenant: 'cursor_run.tenant_id = :tenant_id AND' }),
  listRunsAllTenants: listRunsSql({ tenant: '', cursorTenant: '' }),
  findRunTenant: 'SELECT tenant_id FROM runs WHERE id = ?',

  // Fair across tenants and users, and capped per tenant: see claim-statements.ts.
  claimRunnable: fairClaimRunnableSql({ wantsWorker, claimable: workerClaimable }),
  // What the fair claim could find, read before it without the write lock: most claims (polls,
  // wake-ups after a run ends) find nothing, most others one run, and the fair claim costs a
  // few hundred microseconds even then. Two rows are enough to tell "none", "one" and "rank them".
  claimableRuns: `SELECT id FROM runs INDEXED BY runs_claim WHERE ${workerClaimable} LIMIT 2`,
  claimRun: cappedClaimRunSql({ wantsWorker, claimable }),
  // One statement for any number of leases: the held leases arrive as a JSON array.
  renewLeases: `
    UPDATE runs SET lease_expires_at = :expires_at
    FROM (SELECT json_extract(value, '$.runId') AS run_id, json_extract(value, '$.epoch') AS epoch
          FROM json_each(:leases)) AS held
    WHERE runs.id = held.run_id AND runs.lease_epoch = held.epoch AND runs.lease_owner = :owner
    RETURNING runs.id AS id, runs.cancel_requested AS cancel_requested`,
  countLiveLeases: `SELECT COUNT(*) AS count FROM runs WHERE ${wantsWorker} AND runs.lease_expires_at > ?`,
  releaseLease: 'UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_epoch = ?',
  releaseLeasesOf: 'UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = ? RETURNING id',

  requestCancel: `
    UPDATE runs SET cancel_requested = 1, updated_at = ?
    WHERE tenant_id = ? AND id = ? AND cancel_requested = 0 AND ${unfinished}`,
  markRunnable: `
    UPDATE runs SET status = 'queued', waiting_reason = NULL, updated_at = ?
    WHERE tenant_id = ? AND id = ? AND status = 'waiting'`,

  getSession: 'SELECT tenant_id, id, user_id, agent, created_at, updated_at FROM sessions WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL',
  // A deleted session's row stays (its runs refer to it): a new run under its id starts it afresh.
  insertSession: `
    INSERT INTO sessions (tenant_id, id, user_id, agent, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (tenant_id, id) DO UPDATE SET user_id = excluded.user_id, agent = excluded.agent,
      created_at = excluded.created_at, updated_at = excluded.updated_at, deleted_at = NULL
    WHERE sessions.deleted_at IS NOT NULL`,
  touchSession: 'UPDATE sessions SET updated_at = ? WHERE tenant_id = ? AND id = ?',
  // A run's messages, one row (migration 15), after the session's last: safe without more
  // locking, as it runs inside the append's write transaction.
  insertMessages: `
    INSERT INTO session_messages (tenant_id, session_id, position, run_id, messages, created_at)
    SELECT ?1, ?2, COALESCE(MAX(position), 0) + 1, ?3, ?4, ?5 FROM session_messages WHERE tenant_id = ?1 AND session_id = ?2`,
  listMessages: 'SELECT messages FROM session_messages WHERE tenant_id = ? AND session_id = ? ORDER BY position',

  ...limitSql,
  ...budgetSql,
} as const;

export type Statements = Record<keyof typeof sql, StatementSync>;

/** Prepares every statement once per connection (the schema must exist by then). */
export function prepareStatements(db: DatabaseSync): Statements {
  const entries = Object.entries(sql).map(([name, text]) => [name, db.prepare(text)] as const);
  return Object.fromEntries(entries) as Statements;
}
