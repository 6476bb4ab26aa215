import type { Pool } from 'pg';
import { KeelError } from '../../errors/index.ts';
import { JOURNAL_SCHEMA_VERSION, type JournalEvent } from '../../journal/events.ts';
import { assertUsageEntry } from '../budget-rules.ts';
import { fenceError } from '../run-columns.ts';
import { fencedUpdateValues } from '../append-values.ts';
import type { Fence, RunPatch } from '../store.ts';
import { appendSql } from './append-statements.ts';
import { applyOversightPatch, hasOversightPatch } from './oversight.ts';
import { query, type Queryable, type Row } from './named-sql.ts';
import { inTransaction } from './open-pool.ts';
import { runSql } from './run-statements.ts';
import { integer, text } from './rows.ts';

/**
 * `Store.append` for PostgreSQL: one statement (one round trip) for every append but a run's
 * last, whose session messages need a small transaction (see `append-statements.ts`).
 */
export async function appendPostgres(pool: Pool, fence: Fence, events: JournalEvent[], patch: RunPatch = {}): Promise<void> {
  // Checked before anything is sent: a bad ledger entry writes nothing.
  if (patch.usageEntry !== undefined) assertUsageEntry(patch.usageEntry);
  const messages = patch.sessionMessages ?? [];
  if (messages.length === 0 && !hasOversightPatch(patch)) {
    const [row] = await fencedAppend(pool, fence, events, patch);
    if (row === undefined) throw await leaseLost(pool, fence);
    return;
  }
  await inTransaction(pool, async (client) => {
    const [row] = await fencedAppend(client, fence, events, patch);
    if (row === undefined) throw await leaseLost(client, fence);
    await applyOversightPatch(client, fence.runId, row, patch, fence.now.toISOString());
    if (messages.length === 0) return;
    const session = { tenant_id: text(row, 'tenant_id'), session_id: text(row, 'session_id'), now: fence.now.toISOString() };
    await query(client, appendSql.lockSession, session);
    await query(client, appendSql.insertMessages, { ...session, run_id: fence.runId, messages: messages.map((message) => JSON.stringify(message)) });
  });
}

async function fencedAppend(db: Queryable, fence: Fence, events: JournalEvent[], patch: RunPatch): Promise<Row[]> {
  const types: string[] = [];
  const data: string[] = [];
  for (const { type, ...rest } of events) {
    types.push(type);
    data.push(JSON.stringify(rest));
  }
  const values = { ...fencedUpdateValues(fence, events.length, patch), v: JOURNAL_SCHEMA_VERSION, types, data };
  const entry = patch.usageEntry;
  if (entry === undefined) return await query(db, appendSql.append, values);
  return await query(db, appendSql.appendWithUsage, {
    ...values,
    step: entry.step,
    provider: entry.provider,
    model_id: entry.modelId,
    input_tokens: entry.inputTokens,
    output_tokens: entry.outputTokens,
    cached_tokens: entry.cachedTokens,
    usage_cost_nano_usd: entry.costNanoUsd,
    latency_ms: entry.latencyMs,
    reservation_id: entry.reservationId ?? null,
  });
}

async function leaseLost(db: Queryable, fence: Fence): Promise<KeelError> {
  const [current] = await query(db, runSql.getRunById, { id: fence.runId });
  return fenceError(fence, current === undefined ? undefined : { epoch: integer(current, 'lease_epoch'), lastSeq: integer(current, 'last_seq') });
}
