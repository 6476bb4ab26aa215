import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { KeelError } from '../../errors/index.ts';
import {
  alreadyDecided,
  assertApprovalPolicy,
  decidedStatus,
  decodeKeysetCursor,
  encodeKeysetCursor,
  keysetPage,
  pageLimit,
  toApprovalRecord,
  toEscalationRecord,
  toFeedbackRecord,
} from '../oversight-rules.ts';
import type { ApprovalQuery, ApprovalRecord, OversightStore } from '../oversight-store.ts';
import type { RunPatch } from '../store.ts';
import { toStoreError } from './open-database.ts';
import { sqliteFields, text, type Row } from './rows.ts';

// Timestamps are ISO strings, which sort as text: '~' is above every one this store writes.
const newest = '~';

const sql = {
  insertApproval: `
    INSERT INTO approvals (id, tenant_id, run_id, agent, user_id, session_id, step, call_id, tool_name, input, reason, source, created_at, expires_at, next_level_at)
    VALUES (:id, :tenant_id, :run_id, :agent, :user_id, :session_id, :step, :call_id, :tool_name, :input, :reason, :source, :now, :expires_at, :next_level_at)
    ON CONFLICT (id) DO NOTHING`,
  decideApproval: `
    UPDATE approvals SET status = :status, decided_input = :decided_input, decision_reason = :reason, decided_by = :decided_by, decided_at = :now
    WHERE id = :id AND run_id = :run_id AND status = 'pending'`,
  getApproval: 'SELECT * FROM approvals WHERE tenant_id = ? AND id = ?',
  listApprovals: `
    SELECT * FROM approvals
    WHERE tenant_id = :tenant_id AND (created_at, id) < (:before_time, :before_id)
      AND (:status IS NULL OR (:status = 'pending' AND status = 'pending') OR (:status = 'decided' AND status <> 'pending'))
      AND (:agent IS NULL OR agent = :agent) AND (:user_id IS NULL OR user_id = :user_id) AND (:run_id IS NULL OR run_id = :run_id)
    ORDER BY created_at DESC, id DESC LIMIT :limit`,
  listApprovalsOfAllTenants: `
    SELECT * FROM approvals
    WHERE (created_at, id) < (:before_time, :before_id)
      AND (:status IS NULL OR (:status = 'pending' AND status = 'pending') OR (:status = 'decided' AND status <> 'pending'))
      AND (:agent IS NULL OR agent = :agent) AND (:user_id IS NULL OR user_id = :user_id) AND (:run_id IS NULL OR run_id = :run_id)
    ORDER BY created_at DESC, id DESC LIMIT :limit`,
  findApprovalTenant: 'SELECT tenant_id FROM approvals WHERE id = ?',
  dueApprovals: "SELECT * FROM approvals WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
  dueLevels: "SELECT * FROM approvals WHERE status = 'pending' AND next_level_at IS NOT NULL AND next_level_at <= ? ORDER BY next_level_at LIMIT ?",
  advanceLevel: `
    UPDATE approvals SET level = level + 1, level_group = :group, next_level_at = :next_level_at
    WHERE tenant_id = :tenant_id AND id = :id AND status = 'pending' AND level = :from_level`,
  insertEscalation: `
    INSERT INTO escalations (id, tenant_id, run_id, agent, user_id, session_id, trigger, reason, handoff, created_at, updated_at)
    VALUES (:id, :tenant_id, :run_id, :agent, :user_id, :session_id, :trigger, :reason, :handoff, :now, :now)
    ON CONFLICT (id) DO NOTHING`,
  setEscalationStatus: `
    UPDATE escalations SET status = :status, updated_at = :now, resolved_at = CASE WHEN :status = 'resolved' THEN :now ELSE resolved_at END
    WHERE id = :id AND run_id = :run_id`,
  getEscalation: 'SELECT * FROM escalations WHERE tenant_id = ? AND id = ?',
  listEscalations: `
    SELECT * FROM escalations
    WHERE tenant_id = :tenant_id AND (created_at, id) < (:before_time, :before_id)
      AND (:status IS NULL OR status = :status) AND (:run_id IS NULL OR run_id = :run_id)
    ORDER BY created_at DESC, id DESC LIMIT :limit`,
  putFeedback: `
    INSERT INTO feedback (run_id, user_id, tenant_id, agent, rating, correction, comment, created_at, updated_at)
    SELECT id, :user_id, tenant_id, agent, :rating, :correction, :comment, :now, :now FROM runs WHERE tenant_id = :tenant_id AND id = :run_id
    ON CONFLICT (run_id, user_id) DO UPDATE SET rating = excluded.rating, correction = excluded.correction, comment = excluded.comment, updated_at = excluded.updated_at
    RETURNING *`,
  listFeedback: `
    SELECT * FROM feedback
    WHERE tenant_id = :tenant_id AND (updated_at, run_id || ' ' || user_id) < (:before_time, :before_id)
      AND (:agent IS NULL OR agent = :agent) AND (:rating IS NULL OR rating = :rating) AND (:run_id IS NULL OR run_id = :run_id)
    ORDER BY updated_at DESC, run_id || ' ' || user_id DESC LIMIT :limit`,
  getPolicy: 'SELECT require_approval FROM approval_policies WHERE tenant_id = ?',
  putPolicy: `
    INSERT INTO approval_policies (tenant_id, require_approval, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (tenant_id) DO UPDATE SET require_approval = excluded.require_approval, updated_at = excluded.updated_at`,
} as const;

type Statements = Record<keyof typeof sql, StatementSync>;
const prepared = new WeakMap<DatabaseSync, Statements>();

function statementsOf(db: DatabaseSync): Statements {
  let statements = prepared.get(db);
  if (statements === undefined) {
    statements = Object.fromEntries(Object.entries(sql).map(([name, query]) => [name, db.prepare(query)])) as Statements;
    prepared.set(db, statements);
  }
  return statements;
}

/**
 * The oversight parts of a fenced append, inside its transaction: approval requests and an
 * escalation inserted, decisions recorded only on approvals still pending (otherwise the whole
 * append is rolled back with `APPROVAL_ALREADY_DECIDED`), an escalation's status moved.
 * `run` is the row the fenced update returned.
 */
export function applyOversightPatch(db: DatabaseSync, runId: string, run: Row, patch: RunPatch, at: string): void {
  if (
    patch.approvalRequests === undefined &&
    patch.approvalDecisions === undefined &&
    patch.escalationOpened === undefined &&
    patch.escalationStatus === undefined
  )
    return;
  const s = statementsOf(db);
  const owner = {
    tenant_id: text(run, 'tenant_id'),
    run_id: runId,
    agent: text(run, 'agent'),
    user_id: text(run, 'user_id'),
    session_id: text(run, 'session_id'),
  };
  for (const request of patch.approvalRequests ?? []) {
    s.insertApproval.run({
      ...owner,
      id: request.id,
      step: request.step,
      call_id: request.callId,
      tool_name: request.toolName,
      input: JSON.stringify(request.input ?? null),
      reason: request.reason,
      source: request.source,
      now: at,
      expires_at: request.expiresAt.toISOString(),
      next_level_at: request.nextLevelAt?.toISOString() ?? null,
    });
  }
  for (const decision of patch.approvalDecisions ?? []) {
    const changed = s.decideApproval.run({
      id: decision.id,
      run_id: runId,
      status: decidedStatus(decision.decision),
      decided_input: decision.decidedInput === undefined ? null : JSON.stringify(decision.decidedInput),
      reason: decision.reason ?? null,
      decided_by: JSON.stringify(decision.decidedBy),
      now: at,
    });
    if (Number(changed.changes) !== 1) throw alreadyDecided(decision.id);
  }
  const opened = patch.escalationOpened;
  if (opened !== undefined) {
    s.insertEscalation.run({ ...owner, id: opened.id, trigger: opened.trigger, reason: opened.reason, handoff: JSON.stringify(opened.handoff), now: at });
  }
  if (patch.escalationStatus !== undefined)
    s.setEscalationStatus.run({ id: patch.escalationStatus.id, run_id: runId, status: patch.escalationStatus.status, now: at });
}

/**
 * The SQLite side of {@link OversightStore}, spread into the SQLite store. `ensureMigrated`
 * throws the store's own "not migrated" error, since statements need the tables.
 */
export function createSqliteOversightStore(db: DatabaseSync, ensureMigrated: () => void): OversightStore {
  const s = () => {
    ensureMigrated();
    return statementsOf(db);
  };
  return {
    getApproval: (tenantId, id) => guard(() => optional(s().getApproval.get(tenantId, id), (row) => toApprovalRecord(row, sqliteFields))),
    listApprovals: (tenantId, query) => guard(() => approvalPage(s().listApprovals, { tenant_id: tenantId }, query)),
    listApprovalsOfAllTenants: (query) => guard(() => approvalPage(s().listApprovalsOfAllTenants, {}, query)),
    findApprovalTenant: (approvalId) =>
      guard(() => {
        const row = s().findApprovalTenant.get(approvalId);
        return row === undefined ? undefined : text(row, 'tenant_id');
      }),
    dueApprovals: (now, limit) =>
      guard(() =>
        s()
          .dueApprovals.all(now.toISOString(), limit)
          .map((row) => toApprovalRecord(row, sqliteFields)),
      ),
    dueApprovalLevels: (now, limit) =>
      guard(() =>
        s()
          .dueLevels.all(now.toISOString(), limit)
          .map((row) => toApprovalRecord(row, sqliteFields)),
      ),
    advanceApprovalLevel: (input) =>
      guard(
        () =>
          Number(
            s().advanceLevel.run({
              tenant_id: input.tenantId,
              id: input.approvalId,
              from_level: input.fromLevel,
              group: input.group,
              next_level_at: input.nextLevelAt?.toISOString() ?? null,
            }).changes,
          ) === 1,
      ),
    getEscalation: (tenantId, id) => guard(() => optional(s().getEscalation.get(tenantId, id), (row) => toEscalationRecord(row, sqliteFields))),
    listEscalations: (tenantId, query) =>
      guard(() => {
        const limit = pageLimit(query.limit);
        const before = query.cursor === undefined ? { time: newest, key: '' } : decodeKeysetCursor(query.cursor);
        const rows: Row[] = s().listEscalations.all({
          tenant_id: tenantId,
          before_time: before.time,
          before_id: before.key,
          status: query.status ?? null,
          run_id: query.runId ?? null,
          limit: limit + 1,
        });
        const page = keysetPage(
          rows,
          limit,
          (row) => toEscalationRecord(row, sqliteFields),
          (escalation) => encodeKeysetCursor(escalation.createdAt, escalation.id),
        );
        return { escalations: page.items, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
      }),
    putFeedback: (input) =>
      guard(() => {
        const row = s().putFeedback.get({
          tenant_id: input.tenantId,
          run_id: input.runId,
          user_id: input.userId,
          rating: input.rating,
          correction: input.correction ?? null,
          comment: input.comment ?? null,
          now: input.now.toISOString(),
        });
        if (row === undefined) throw runNotFound(input.runId);
        return toFeedbackRecord(row, sqliteFields);
      }),
    listFeedback: (tenantId, query) =>
      guard(() => {
        const limit = pageLimit(query.limit);
        const before = query.cursor === undefined ? { time: newest, key: '' } : decodeKeysetCursor(query.cursor);
        const rows: Row[] = s().listFeedback.all({
          tenant_id: tenantId,
          before_time: before.time,
          before_id: before.key,
          agent: query.agent ?? null,
          rating: query.rating ?? null,
          run_id: query.runId ?? null,
          limit: limit + 1,
        });
        const page = keysetPage(
          rows,
          limit,
          (row) => toFeedbackRecord(row, sqliteFields),
          (feedback) => encodeKeysetCursor(feedback.updatedAt, `${feedback.runId} ${feedback.userId}`),
        );
        return { feedback: page.items, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
      }),
    getApprovalPolicy: (tenantId) =>
      guard(() => {
        const row = s().getPolicy.get(tenantId);
        return { requireApproval: row === undefined ? [] : (JSON.parse(text(row, 'require_approval')) as string[]) };
      }),
    setApprovalPolicy: (tenantId, policy, now) =>
      guard(() => {
        assertApprovalPolicy(policy);
        s().putPolicy.run(tenantId, JSON.stringify(policy.requireApproval), now.toISOString());
        return { requireApproval: [...policy.requireApproval] };
      }),
  };
}

/** A page of an approval listing, one tenant's (`scope` names it) or every tenant's. */
function approvalPage(statement: StatementSync, scope: { tenant_id?: string }, query: ApprovalQuery): { approvals: ApprovalRecord[]; nextCursor?: string } {
  const limit = pageLimit(query.limit);
  const before = query.cursor === undefined ? { time: newest, key: '' } : decodeKeysetCursor(query.cursor);
  const rows: Row[] = statement.all({
    ...scope,
    before_time: before.time,
    before_id: before.key,
    status: query.status ?? null,
    agent: query.agent ?? null,
    user_id: query.userId ?? null,
    run_id: query.runId ?? null,
    limit: limit + 1,
  });
  const page = keysetPage(
    rows,
    limit,
    (row) => toApprovalRecord(row, sqliteFields),
    (approval) => encodeKeysetCursor(approval.createdAt, approval.id),
  );
  return { approvals: page.items, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
}

function optional<T>(row: Row | undefined, convert: (row: Row) => T): T | undefined {
  return row === undefined ? undefined : convert(row);
}

function runNotFound(runId: string): KeelError {
  return new KeelError({ code: 'RUN_NOT_FOUND', message: `No run with id "${runId}"` });
}

function guard<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}
