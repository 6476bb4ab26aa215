import { KeelError, type SerializedError } from '../../errors/index.ts';
import type { JournalEntry, RunStatus, WaitingReason } from '../../journal/events.ts';
import type { ModelMessage, ModelUsage } from '../../journal/messages.ts';
import { traceIdOfRun } from '../../journal/trace-context.ts';
import type { FieldReader } from '../oversight-rules.ts';
import type { Lease, RunRecord, SessionRecord } from '../store.ts';
import type { Row } from './named-sql.ts';

/*
 * `pg` parses json into values, timestamptz into Date, integer into number and boolean
 * into boolean; bigint and numeric arrive as strings (they may not fit a double). The helpers
 * below turn each into what the port promises, and refuse anything else loudly: a value of the
 * wrong type means the schema and this adapter disagree.
 */

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
    output: row.output ?? null,
    error: (row.error ?? null) as SerializedError | null,
    usage: jsonObject(row, 'usage') as unknown as ModelUsage,
    // Dividing whole nanodollars by a power of ten gives the nearest double to the exact amount.
    costUsd: integer(row, 'cost_nano_usd') / 1e9,
    metadata: jsonObject(row, 'metadata'),
    idempotencyKey: nullableText(row, 'idempotency_key'),
    traceId: traceIdOfRun({ id, traceparent }),
    traceparent,
    cancelRequested: boolean(row, 'cancel_requested'),
    lastSeq: integer(row, 'last_seq'),
    createdAt: timestamp(row, 'created_at'),
    updatedAt: timestamp(row, 'updated_at'),
    startedAt: nullableTimestamp(row, 'started_at'),
    endedAt: nullableTimestamp(row, 'ended_at'),
    erasedAt: nullableTimestamp(row, 'erased_at'),
  };
}

export function toLease(row: Row): Lease {
  return {
    runId: text(row, 'id'),
    owner: text(row, 'lease_owner'),
    epoch: integer(row, 'lease_epoch'),
    expiresAt: new Date(timestamp(row, 'lease_expires_at')),
    run: toRunRecord(row),
  };
}

export function toJournalEntry(row: Row): JournalEntry {
  const data = jsonObject(row, 'data');
  // Rows are only written by `append`/`createRun` from typed events; `type` was split off into
  // its own column, so putting it back yields the event as written.
  return { type: text(row, 'type'), ...data, seq: integer(row, 'seq'), at: timestamp(row, 'at'), v: integer(row, 'v') } as JournalEntry;
}

export function toSessionRecord(row: Row): SessionRecord {
  return {
    id: text(row, 'id'),
    tenantId: text(row, 'tenant_id'),
    userId: text(row, 'user_id'),
    agent: text(row, 'agent'),
    createdAt: timestamp(row, 'created_at'),
    updatedAt: timestamp(row, 'updated_at'),
  };
}

export function toModelMessage(row: Row): ModelMessage {
  return jsonObject(row, 'message') as unknown as ModelMessage;
}

export function text(row: Row, column: string): string {
  const value: unknown = row[column];
  if (typeof value !== 'string') throw unexpected(column, value);
  return value;
}

export function nullableText(row: Row, column: string): string | null {
  const value: unknown = row[column];
  return value === null ? null : text(row, column);
}

/** An integer column: `integer` arrives as a number, `bigint` and `numeric` (sums) as digits. */
export function integer(row: Row, column: string): number {
  const value: unknown = row[column];
  const parsed = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isSafeInteger(parsed)) throw unexpected(column, value);
  return parsed;
}

export function nullableInteger(row: Row, column: string): number | null {
  return row[column] === null ? null : integer(row, column);
}

export function boolean(row: Row, column: string): boolean {
  const value: unknown = row[column];
  if (typeof value !== 'boolean') throw unexpected(column, value);
  return value;
}

/** A timestamptz column as the ISO-8601 UTC string the port uses (millisecond precision, as written). */
export function timestamp(row: Row, column: string): string {
  const value: unknown = row[column];
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw unexpected(column, value);
  return value.toISOString();
}

export function nullableTimestamp(row: Row, column: string): string | null {
  return row[column] === null ? null : timestamp(row, column);
}

function jsonObject(row: Row, column: string): Record<string, unknown> {
  const value: unknown = row[column];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KeelError({ code: 'JOURNAL_CORRUPT', message: `Column "${column}" does not hold a JSON object`, details: { column } });
  }
  return value as Record<string, unknown>;
}

function unexpected(column: string, value: unknown): KeelError {
  return new KeelError({
    code: 'JOURNAL_CORRUPT',
    message: `Column "${column}" holds an unexpected value`,
    details: { column, type: value === null ? 'null' : typeof value },
  });
}

/** The PostgreSQL field readers of the shared row converters (`oversight-rules.ts`): json arrives parsed. */
export const postgresFields: FieldReader<Row> = {
  text,
  nullableText,
  integer,
  json: (row, column) => row[column] ?? null,
  timestamp,
  nullableTimestamp,
};
