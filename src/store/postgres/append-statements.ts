import { namedSql } from './named-sql.ts';

/*
 * The hot path: a fenced append in ONE statement, so one round trip and no explicit
 * transaction (a single statement is its own). Data-modifying CTEs all run, but each insert
 * draws its rows from `fenced`: when the fence fails, `fenced` is empty and nothing is written.
 *
 * `last_seq = :last_seq` is the fence that makes appends gapless, and `lease_epoch = :epoch` the
 * one that shuts out a worker whose lease was taken over. Under READ COMMITTED a racing append
 * waits for the row lock, then re-checks both against the committed row, so it fails rather
 * than fork the journal. Only the fields in the patch change (CASE on a flag where null is a
 * value of its own). No NOTIFY here: it takes a database-wide lock at commit (SPEC §11);
 * followers read the journal instead.
 */
const fenced = `
  fenced AS (
    UPDATE runs SET
      last_seq = :new_last_seq::integer,
      updated_at = :now::timestamptz,
      status = COALESCE(:status::text, status),
      waiting_reason = CASE WHEN :set_waiting_reason::boolean THEN :waiting_reason::text ELSE waiting_reason END,
      output = COALESCE(:output::json, output),
      error = CASE WHEN :set_error::boolean THEN :error::json ELSE error END,
      usage = COALESCE(:usage::json, usage),
      started_at = COALESCE(:started_at::timestamptz, started_at),
      ended_at = COALESCE(:ended_at::timestamptz, ended_at),
      cost_nano_usd = COALESCE(:cost_nano_usd::bigint, cost_nano_usd),
      lease_owner = CASE WHEN :release_lease::boolean THEN NULL ELSE lease_owner END,
      lease_expires_at = CASE WHEN :release_lease::boolean THEN NULL ELSE lease_expires_at END
    WHERE id = :run_id AND lease_epoch = :epoch::bigint AND last_seq = :last_seq::integer
    RETURNING tenant_id, session_id, user_id, agent)`;

// The events arrive as two parallel arrays (types, and JSON without the type); WITH ORDINALITY
// numbers them from 1, in order, after the fence's last sequence number.
const journal = `
  journal_rows AS (
    INSERT INTO journal (run_id, seq, type, v, at, data)
    SELECT :run_id::text, :last_seq::integer + event.position, event.type, :v::smallint, :now::timestamptz, event.data
    FROM fenced, unnest(:types::text[], :data::json[]) WITH ORDINALITY AS event (type, data, position))`;

// A model call's ledger row, with the run's subject as the fenced UPDATE returned it, and the
// settlement of its reservation: the spend and the journaled model-response commit together or
// not at all (a retried call that never committed is never billed). The settlement is scoped by
// run too, so a call can only ever settle its own run's reservation.
const ledger = `
  ledger AS (
    INSERT INTO usage (tenant_id, run_id, step, user_id, agent, session_id, provider, model_id,
                       input_tokens, output_tokens, cached_tokens, cost_nano_usd, latency_ms, at)
    SELECT fenced.tenant_id, :run_id::text, :step::integer, fenced.user_id, fenced.agent, fenced.session_id, :provider::text, :model_id::text,
           :input_tokens::bigint, :output_tokens::bigint, :cached_tokens::bigint, :usage_cost_nano_usd::bigint, :latency_ms::integer,
           :now::timestamptz
    FROM fenced),
  settled AS (
    DELETE FROM budget_reservations
    WHERE id = :reservation_id::text AND run_id = :run_id AND EXISTS (SELECT 1 FROM fenced))`;

// RunPatch.releaseReservations: a run that parks or ends drops what it still holds, fenced like
// the rest, so a writer that lost its lease cannot touch the new owner's reservations. When the
// flag is false the DELETE is skipped as a whole (a one-time filter on the parameter).
const released = `
  released AS (
    DELETE FROM budget_reservations
    WHERE :release_reservations::boolean AND run_id = :run_id AND EXISTS (SELECT 1 FROM fenced))`;

const result = 'SELECT tenant_id, session_id, user_id, agent FROM fenced';

export const appendSql = {
  append: namedSql(`WITH ${fenced}, ${journal}, ${released} ${result}`, { prepare: 'keel_append' }),
  appendWithUsage: namedSql(`WITH ${fenced}, ${journal}, ${ledger}, ${released} ${result}`, { prepare: 'keel_append_usage' }),

  // Session messages come with a run's end, once per run: a small transaction after the fenced
  // statement. Locking the session row first makes the position read below see every message
  // committed before, so two writers can never pick the same positions.
  lockSession: namedSql('UPDATE sessions SET updated_at = :now::timestamptz WHERE tenant_id = :tenant_id AND id = :session_id'),
  insertMessages: namedSql(`
    INSERT INTO session_messages (tenant_id, session_id, position, run_id, message, created_at)
    SELECT :tenant_id::text, :session_id::text, last.position + message.position, :run_id::text, message.body, :now::timestamptz
    FROM (SELECT COALESCE(MAX(position), 0) AS position FROM session_messages
          WHERE tenant_id = :tenant_id AND session_id = :session_id) AS last,
         unnest(:messages::json[]) WITH ORDINALITY AS message (body, position)`),
} as const;
