import { KeelError } from '../errors/index.ts';
import type { Actor } from '../journal/events.ts';
import { resolveListLimit } from './list-runs-paging.ts';
import type { ApprovalDecisionRecord, ApprovalRecord, ApprovalStatus, EscalationRecord, FeedbackRecord } from './oversight-store.ts';

/**
 * What both adapters share about the oversight tables: reading their rows (through the
 * adapter's own field readers — SQLite hands back JSON as text and times as ISO strings,
 * PostgreSQL parses both), keyset cursors, and the status a decision sets.
 */

/** How an adapter reads one column of a row into what the port promises. */
export interface FieldReader<Row> {
  text(row: Row, column: string): string;
  nullableText(row: Row, column: string): string | null;
  integer(row: Row, column: string): number;
  /** A JSON column, parsed (null when NULL). */
  json(row: Row, column: string): unknown;
  timestamp(row: Row, column: string): string;
  nullableTimestamp(row: Row, column: string): string | null;
}

export function toApprovalRecord<Row>(row: Row, read: FieldReader<Row>): ApprovalRecord {
  return {
    id: read.text(row, 'id'),
    tenantId: read.text(row, 'tenant_id'),
    runId: read.text(row, 'run_id'),
    agent: read.text(row, 'agent'),
    userId: read.text(row, 'user_id'),
    sessionId: read.text(row, 'session_id'),
    step: read.integer(row, 'step'),
    callId: read.text(row, 'call_id'),
    toolName: read.text(row, 'tool_name'),
    input: read.json(row, 'input'),
    reason: read.text(row, 'reason'),
    // The CHECK constraints keep these casts honest.
    source: read.text(row, 'source') as ApprovalRecord['source'],
    status: read.text(row, 'status') as ApprovalStatus,
    decidedInput: read.json(row, 'decided_input'),
    decisionReason: read.nullableText(row, 'decision_reason'),
    decidedBy: (read.json(row, 'decided_by') ?? null) as Actor | null,
    createdAt: read.timestamp(row, 'created_at'),
    decidedAt: read.nullableTimestamp(row, 'decided_at'),
    expiresAt: read.timestamp(row, 'expires_at'),
    level: read.integer(row, 'level'),
    group: read.nullableText(row, 'level_group'),
    nextLevelAt: read.nullableTimestamp(row, 'next_level_at'),
  };
}

export function toEscalationRecord<Row>(row: Row, read: FieldReader<Row>): EscalationRecord {
  return {
    id: read.text(row, 'id'),
    tenantId: read.text(row, 'tenant_id'),
    runId: read.text(row, 'run_id'),
    agent: read.text(row, 'agent'),
    userId: read.text(row, 'user_id'),
    sessionId: read.text(row, 'session_id'),
    trigger: read.text(row, 'trigger'),
    reason: read.text(row, 'reason'),
    handoff: (read.json(row, 'handoff') ?? {}) as Record<string, unknown>,
    status: read.text(row, 'status') as EscalationRecord['status'],
    createdAt: read.timestamp(row, 'created_at'),
    updatedAt: read.timestamp(row, 'updated_at'),
    resolvedAt: read.nullableTimestamp(row, 'resolved_at'),
  };
}

export function toFeedbackRecord<Row>(row: Row, read: FieldReader<Row>): FeedbackRecord {
  return {
    tenantId: read.text(row, 'tenant_id'),
    runId: read.text(row, 'run_id'),
    userId: read.text(row, 'user_id'),
    agent: read.text(row, 'agent'),
    rating: read.integer(row, 'rating') === 1 ? 1 : -1,
    correction: read.nullableText(row, 'correction'),
    comment: read.nullableText(row, 'comment'),
    createdAt: read.timestamp(row, 'created_at'),
    updatedAt: read.timestamp(row, 'updated_at'),
  };
}

/** The status an approval takes with a decision. */
export function decidedStatus(decision: ApprovalDecisionRecord['decision']): Exclude<ApprovalStatus, 'pending'> {
  return decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'edited';
}

/** Thrown inside an append whose decision found its approval no longer pending: the append writes nothing. */
export function alreadyDecided(approvalId: string): KeelError {
  return new KeelError({ code: 'APPROVAL_ALREADY_DECIDED', message: `Approval "${approvalId}" was already decided`, details: { approvalId } });
}

/**
 * A cursor over a listing ordered newest first by (time, key): it names the last row of the
 * previous page — a time and an id the caller has already seen — and nothing else.
 */
export function encodeKeysetCursor(time: string, key: string): string {
  return Buffer.from(JSON.stringify([time, key])).toString('base64url');
}

export function decodeKeysetCursor(cursor: string): { time: string; key: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && !Number.isNaN(Date.parse(value[0]))) {
      return { time: value[0], key: value[1] };
    }
  } catch {
    // Not JSON: refused below.
  }
  throw new KeelError({ code: 'INPUT_INVALID', message: 'cursor is not one this server produced' });
}

/** A page of rows fetched one past the limit: the rows, and the cursor of the next page if there is one. */
export function keysetPage<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (item: Item) => string,
): { items: Item[]; nextCursor?: string } {
  const items = rows.slice(0, limit).map(toItem);
  const last = items.at(-1);
  return rows.length > limit && last !== undefined ? { items, nextCursor: cursorOf(last) } : { items };
}

/** The page size a listing asks for, bounded; the statement fetches one more. */
export function pageLimit(limit: number | undefined): number {
  return resolveListLimit(limit);
}

/** A tenant's approval policy as stored: only tool names or `*`. */
export function assertApprovalPolicy(policy: { requireApproval: unknown }): void {
  const list = policy.requireApproval;
  if (!Array.isArray(list) || list.length > 500 || !list.every((name) => typeof name === 'string' && /^(\*|[a-zA-Z0-9_-]{1,64})$/.test(name))) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'requireApproval must be a list of tool names, or ["*"] for every tool' });
  }
}
