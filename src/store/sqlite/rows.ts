import type { SQLOutputValue } from 'node:sqlite';
import { KeelError, type SerializedError } from '../../errors/index.ts';
import type { JournalEntry, RunStatus, WaitingReason } from '../../journal/events.ts';
import type { ModelMessage, ModelUsage } from '../../journal/messages.ts';
import { traceIdOfRun } from '../../journal/trace-context.ts';
import type { FieldReader } from '../oversight-rules.ts';
import type { Lease, RunRecord, SessionRecord } from '../store.ts';

/** A result row as `node:sqlite` returns it. */
export type Row = Record<string, SQLOutputValue>;

export function toRunRecord(row: Row): RunRecord {
  const id = text(row, 'id');
  const traceparent = nullableText(row, 'traceparent');
  return {
    id,
    tenantId: text(row, 'tenant_id'),
    agent: text(row, 'agent'),
    sessionId: text(row, 'session_id'),
    userId: text(row, 'user_id'),
    // The CHECK constraint on `status` keeps this cast honest.
    status: text(row, 'status') as RunStatus,
    waitingReason: nullableText(row, 'waiting_reason') as WaitingReason | null,
    input: text(row, 'input'),
    output: parseJson(nullableText(row, 'output') ?? 'null', 'output'),
    error: parseJson(nullableText(row, 'error') ?? 'null', 'error') as SerializedError | null,
    usage: parseJson(text(row, 'usage'), 'usage') as ModelUsage,
    // Dividing whole nanodollars by a power of ten gives the nearest double to the exact amount.
    costUsd: integer(row, 'cost_nano_usd') / 1e9,
    metadata: parseJson(text(row, 'metadata'), 'metadata') as Record<string, unknown>,
    idempotencyKey: nullableText(row, 'idempotency_key'),
    traceId: traceIdOfRun({ id, traceparent }),
    traceparent,
    cancelRequested: integer(row, 'cancel_requested') === 1,
    lastSeq: integer(row, 'last_seq'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
    startedAt: nullableText(row, 'started_at'),
    endedAt: nullableText(row, 'ended_at'),
    erasedAt: nullableText(row, 'erased_at'),
  };
}

export function toLease(row: Row): Lease {
  return {
    runId: text(row, 'id'),
    owner: text(row, 'lease_owner'),
    epoch: integer(row, 'lease_epoch'),
    expiresAt: new Date(text(row, 'lease_expires_at')),
    run: toRunRecord(row),
  };
}

export function toJournalEntry(row: Row): JournalEntry {
  const data = parseJson(text(row, 'data'), 'data');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new KeelError({ code: 'JOURNAL_CORRUPT', message: 'A journal row does not hold an event object', details: { seq: row.seq } });
  }
  // Rows are only written by `append`/`createRun` from typed events; `type` was split off into
  // its own column, so putting it back yields the event as written.
  return { type: text(row, 'type'), ...data, seq: integer(row, 'seq'), at: text(row, 'at'), v: integer(row, 'v') } as JournalEntry;
}

export function toSessionRecord(row: Row): SessionRecord {
  return {
    id: text(row, 'id'),
    tenantId: text(row, 'tenant_id'),
    userId: text(row, 'user_id'),
    agent: text(row, 'agent'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  };
}

/** One row of a session's history: a run's messages, in order (migration 15). */
export function toModelMessages(row: Row): ModelMessage[] {
  const messages = parseJson(text(row, 'messages'), 'messages');
  if (!Array.isArray(messages)) throw new KeelError({ code: 'JOURNAL_CORRUPT', message: 'Column "messages" does not hold an array' });
  return messages as ModelMessage[];
}

export function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw unexpected(column, value);
  return value;
}

export function nullableText(row: Row, column: string): string | null {
  const value = row[column];
  if (value === null) return null;
  if (typeof value !== 'string') throw unexpected(column, value);
  return value;
}

export function integer(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw unexpected(column, value);
  return value;
}

export function parseJson(value: string, column: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new KeelError({ code: 'JOURNAL_CORRUPT', message: `Column "${column}" does not hold valid JSON`, cause: error });
  }
}

function unexpected(column: string, value: SQLOutputValue | undefined): KeelError {
  return new KeelError({
    code: 'JOURNAL_CORRUPT',
    message: `Column "${column}" holds an unexpected value`,
    details: { column, type: value === null ? 'null' : typeof value },
  });
}

/** The SQLite field readers of the shared row converters (`oversight-rules.ts`). */
export const sqliteFields: FieldReader<Row> = {
  text,
  nullableText,
  integer,
  json: (row, column) => {
    const value = nullableText(row, column);
    return value === null ? null : parseJson(value, column);
  },
  timestamp: text,
  nullableTimestamp: nullableText,
};
