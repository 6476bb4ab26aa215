import type { Pool } from 'pg';
import { KeelError } from '../../errors/index.ts';
import { JOURNAL_SCHEMA_VERSION, type JournalEntry } from '../../journal/events.ts';
import { emptyUsage } from '../../journal/messages.ts';
import { listRunsParameters, toRunsPage } from '../list-runs-paging.ts';
import { erasedJournalData } from '../erase-content.ts';
import {
  assertSameRequest,
  assertStorableRun,
  assertSessionOwner,
  journalReadOptions,
  sessionBusyError,
  storedTraceparent,
  sessionNotFoundError,
} from '../run-rules.ts';
import { runStartEvent } from '../../journal/run-start-event.ts';
import type { AllTenantsRunQuery, NewRun, RunQuery, RunRecord } from '../store.ts';
import { query, type Queryable } from './named-sql.ts';
import { inTransaction } from './open-pool.ts';
import { runSql } from './run-statements.ts';
import { boolean, text, toJournalEntry, toRunRecord } from './rows.ts';

/** Starting over after losing an idempotency race finds the winner's run; more rounds mean a bug. */
const maxCreateAttempts = 3;

/**
 * `Store.createRun` for PostgreSQL: one transaction that locks the session row (creating the
 * session if needed), so the runs of one session are created one at a time.
 */
export async function createRun(pool: Pool, input: NewRun): Promise<{ run: RunRecord; created: boolean }> {
  assertStorableRun(input);
  for (let attempt = 1; attempt <= maxCreateAttempts; attempt += 1) {
    try {
      return await inTransaction(pool, (client) => tryCreateRun(client, input));
    } catch (error) {
      if (error !== lostRace) throw error;
    }
  }
  throw new KeelError({
    code: 'INTERNAL',
    message: 'Creating the run kept conflicting with its idempotency key',
    details: { idempotencyKey: input.idempotencyKey },
  });
}

async function tryCreateRun(db: Queryable, input: NewRun): Promise<{ run: RunRecord; created: boolean }> {
  // Idempotency comes first: a retried request must get its run back even if the session has
  // moved on (busy, say) since the first attempt.
  if (input.idempotencyKey !== undefined) {
    const [existing] = await query(db, runSql.getRunByIdempotencyKey, { tenant_id: input.tenantId, idempotency_key: input.idempotencyKey });
    if (existing !== undefined) return { run: assertSameRequest(toRunRecord(existing), input), created: false };
  }

  const at = input.now.toISOString();
  const values = { tenant_id: input.tenantId, session_id: input.sessionId, user_id: input.userId, agent: input.agent, now: at };
  const [session] = await query(db, runSql.upsertSession, values);
  if (session === undefined) throw new KeelError({ code: 'INTERNAL', message: 'A session write returned no row' });
  // Any error from here on rolls the touch of the session back with everything else — also the
  // insert of a session that was not to be created.
  if (boolean(session, 'inserted') && input.createSession === false) throw sessionNotFoundError(input.sessionId);
  assertSessionOwner({ userId: text(session, 'user_id') }, input);
  if (!boolean(session, 'inserted') && input.sessionPolicy === 'reject') {
    const busy = await query(db, runSql.sessionHasUnfinishedRun, values);
    if (busy.length > 0) throw sessionBusyError(input.sessionId);
  }

  const { type: _type, ...data } = runStartEvent(input);
  const [row] = await query(db, runSql.insertRun, {
    ...values,
    id: input.id,
    input: input.input,
    usage: JSON.stringify(emptyUsage),
    metadata: JSON.stringify(input.metadata ?? {}),
    idempotency_key: input.idempotencyKey ?? null,
    traceparent: storedTraceparent(input),
    v: JOURNAL_SCHEMA_VERSION,
    data: JSON.stringify(data),
  });
  // Nothing inserted: a concurrent request with the same key committed first. Roll back and
  // start over, which returns that run.
  if (row === undefined) throw lostRace;
  return { run: toRunRecord(row), created: true };
}

/** Thrown to roll a losing attempt back; `createRun` catches it by identity. */
const lostRace = new KeelError({ code: 'IDEMPOTENCY_CONFLICT', message: 'A concurrent request created this run first' });

export async function readJournal(pool: Pool, runId: string, options?: { afterSeq?: number; limit?: number }): Promise<JournalEntry[]> {
  const { afterSeq, limit } = journalReadOptions(options);
  // LIMIT NULL is PostgreSQL for "no limit".
  const rows = await query(pool, runSql.readJournal, { run_id: runId, after_seq: afterSeq, limit: limit ?? null });
  return rows.map(toJournalEntry);
}

export async function listRuns(pool: Pool, runQuery: RunQuery | AllTenantsRunQuery): Promise<{ runs: RunRecord[]; nextCursor?: string }> {
  const { parameters, limit, allTenants } = listRunsParameters(runQuery);
  const rows = await query(pool, allTenants ? runSql.listRunsAllTenants : runSql.listRuns, parameters);
  return toRunsPage(rows, limit, toRunRecord);
}

/**
 * `Store.deleteSession` for PostgreSQL: the session row is locked first, so no run can write
 * its messages (that write locks the same row) between the busy check and the erasure.
 */
export async function deleteSession(pool: Pool, tenantId: string, sessionId: string, now: Date): Promise<boolean> {
  return await inTransaction(pool, async (client) => {
    const values = { tenant_id: tenantId, id: sessionId, session_id: sessionId, now: now.toISOString() };
    if ((await query(client, runSql.lockSession, values)).length === 0) return false;
    if ((await query(client, runSql.sessionHasUnfinishedRun, values)).length > 0) throw sessionBusyError(sessionId, 'delete');
    await query(client, runSql.deleteMessages, values);
    const rows = await query(client, runSql.sessionJournal, values);
    if (rows.length > 0) {
      await query(client, runSql.rewriteJournal, {
        run_ids: rows.map((row) => text(row, 'run_id')),
        seqs: rows.map((row) => Number(row.seq)),
        datas: rows.map((row) => JSON.stringify(erasedJournalData(text(row, 'type'), row.data as Record<string, unknown>))),
      });
    }
    await query(client, runSql.deleteCachedAnswers, values);
    await query(client, runSql.eraseRuns, values);
    await query(client, runSql.eraseOversight, values);
    await query(client, runSql.markSessionDeleted, values);
    return true;
  });
}
