import type { Pool } from 'pg';
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
import type { ApprovalQuery, OversightStore } from '../oversight-store.ts';
import type { RunPatch } from '../store.ts';
import { execute, namedSql, query, type Queryable, type Row } from './named-sql.ts';
import { guard } from './open-pool.ts';
import { postgresFields, text } from './rows.ts';

// Above every timestamp this store writes: the first page of a newest-first listing.
const newest = '9999-12-31T23:59:59.999Z';

const oversightSql = {
  insertApprovals: namedSql(`
    INSERT INTO approvals (id, tenant_id, run_id, agent, user_id, session_id, step, call_id, tool_name, input, reason, source, created_at, expires_at, next_level_at)
    SELECT request.id, :tenant_id, :run_id, :agent, :user_id, :session_id, request.step, request.call_id, request.tool_name, request.input::json,
      request.reason, request.source, :now::timestamptz, request.expires_at, request.next_level_at
    FROM unnest(:ids::text[], :steps::integer[], :call_ids::text[], :tool_names::text[], :inputs::text[], :reasons::text[], :sources::text[],
      :expires_ats::timestamptz[], :next_level_ats::timestamptz[])
      AS request (id, step, call_id, tool_name, input, reason, source, expires_at, next_level_at)
    ON CONFLICT (id) DO NOTHING`),
  decideApproval: namedSql(`
    UPDATE approvals SET status = :status, decided_input = :decided_input::json, decision_reason = :reason, decided_by = :decided_by::json, decided_at = :now::timestamptz
    WHERE id = :id AND run_id = :run_id AND status = 'pending'`),
  getApproval: namedSql('SELECT * FROM approvals WHERE tenant_id = :tenant_id AND id = :id'),
  listApprovals: namedSql(`
    SELECT * FROM approvals
    WHERE tenant_id = :tenant_id AND (created_at, id) < (:before_time::timestamptz, :before_id::text)
      AND (:status::text IS NULL OR (:status::text = 'pending' AND status = 'pending') OR (:status::text = 'decided' AND status <> 'pending'))
      AND (:agent::text IS NULL OR agent = :agent::text) AND (:user_id::text IS NULL OR user_id = :user_id::text) AND (:run_id::text IS NULL OR run_id = :run_id::text)
    ORDER BY created_at DESC, id DESC LIMIT :limit::integer`),
  listApprovalsOfAllTenants: namedSql(`
    SELECT * FROM approvals
    WHERE (created_at, id) < (:before_time::timestamptz, :before_id::text)
      AND (:status::text IS NULL OR (:status::text = 'pending' AND status = 'pending') OR (:status::text = 'decided' AND status <> 'pending'))
      AND (:agent::text IS NULL OR agent = :agent::text) AND (:user_id::text IS NULL OR user_id = :user_id::text) AND (:run_id::text IS NULL OR run_id = :run_id::text)
    ORDER BY created_at DESC, id DESC LIMIT :limit::integer`),
  findApprovalTenant: namedSql('SELECT tenant_id FROM approvals WHERE id = :id'),
  dueApprovals: namedSql("SELECT * FROM approvals WHERE status = 'pending' AND expires_at <= :now::timestamptz ORDER BY expires_at LIMIT :limit::integer"),
  dueLevels: namedSql(
    "SELECT * FROM approvals WHERE status = 'pending' AND next_level_at IS NOT NULL AND next_level_at <= :now::timestamptz ORDER BY next_level_at LIMIT :limit::integer",
  ),
  advanceLevel: namedSql(`
    UPDATE approvals SET level = level + 1, level_group = :group, next_level_at = :next_level_at::timestamptz
    WHERE tenant_id = :tenant_id AND id = :id AND status = 'pending' AND level = :from_level::integer`),
  insertEscalation: namedSql(`
    INSERT INTO escalations (id, tenant_id, run_id, agent, user_id, session_id, trigger, reason, handoff, created_at, updated_at)
    VALUES (:id, :tenant_id, :run_id, :agent, :user_id, :session_id, :trigger, :reason, :handoff::json, :now::timestamptz, :now::timestamptz)
    ON CONFLICT (id) DO NOTHING`),
  setEscalationStatus: namedSql(`
    UPDATE escalations SET status = :status::text, updated_at = :now::timestamptz,
      resolved_at = CASE WHEN :status::text = 'resolved' THEN :now::timestamptz ELSE resolved_at END
    WHERE id = :id AND run_id = :run_id`),
  getEscalation: namedSql('SELECT * FROM escalations WHERE tenant_id = :tenant_id AND id = :id'),
  listEscalations: namedSql(`
    SELECT * FROM escalations
    WHERE tenant_id = :tenant_id AND (created_at, id) < (:before_time::timestamptz, :before_id::text)
      AND (:status::text IS NULL OR status = :status::text) AND (:run_id::text IS NULL OR run_id = :run_id::text)
    ORDER BY created_at DESC, id DESC LIMIT :limit::integer`),
  putFeedback: namedSql(`
    INSERT INTO feedback (run_id, user_id, tenant_id, agent, rating, correction, comment, created_at, updated_at)
    SELECT id, :user_id, tenant_id, agent, :rating::integer, :correction, :comment, :now::timestamptz, :now::timestamptz FROM runs WHERE tenant_id = :tenant_id AND id = :run_id
    ON CONFLICT (run_id, user_id) DO UPDATE SET rating = excluded.rating, correction = excluded.correction, comment = excluded.comment, updated_at = excluded.updated_at
    RETURNING *`),
  listFeedback: namedSql(`
    SELECT * FROM feedback
    WHERE tenant_id = :tenant_id AND (updated_at, run_id || ' ' || user_id) < (:before_time::timestamptz, :before_id::text)
      AND (:agent::text IS NULL OR agent = :agent::text) AND (:rating::integer IS NULL OR rating = :rating::integer) AND (:run_id::text IS NULL OR run_id = :run_id::text)
    ORDER BY updated_at DESC, run_id || ' ' || user_id DESC LIMIT :limit::integer`),
  getPolicy: namedSql('SELECT require_approval FROM approval_policies WHERE tenant_id = :tenant_id'),
  putPolicy: namedSql(`
    INSERT INTO approval_policies (tenant_id, require_approval, updated_at) VALUES (:tenant_id, :require_approval::json, :now::timestamptz)
    ON CONFLICT (tenant_id) DO UPDATE SET require_approval = excluded.require_approval, updated_at = excluded.updated_at`),
} as const;

/** Whether an append carries oversight changes (and so takes the transactional path). */
export function hasOversightPatch(patch: RunPatch): boolean {
  return (
    patch.approvalRequests !== undefined ||
    patch.approvalDecisions !== undefined ||
    patch.escalationOpened !== undefined ||
    patch.escalationStatus !== undefined
  );
}

/**
 * The oversight parts of a fenced append, inside its transaction (see the SQLite twin in
 * `sqlite/oversight.ts`): a decision on an approval no longer pending rolls the whole append back.
 */
export async function applyOversightPatch(db: Queryable, runId: string, run: Row, patch: RunPatch, at: string): Promise<void> {
  const owner = {
    tenant_id: text(run, 'tenant_id'),
    run_id: runId,
    agent: text(run, 'agent'),
    user_id: text(run, 'user_id'),
    session_id: text(run, 'session_id'),
  };
  const requests = patch.approvalRequests ?? [];
  if (requests.length > 0) {
    await query(db, oversightSql.insertApprovals, {
      ...owner,
      now: at,
      ids: requests.map((request) => request.id),
      steps: requests.map((request) => request.step),
      call_ids: requests.map((request) => request.callId),
      tool_names: requests.map((request) => request.toolName),
      inputs: requests.map((request) => JSON.stringify(request.input ?? null)),
      reasons: requests.map((request) => request.reason),
      sources: requests.map((request) => request.source),
      expires_ats: requests.map((request) => request.expiresAt.toISOString()),
      next_level_ats: requests.map((request) => request.nextLevelAt?.toISOString() ?? null),
    });
  }
  for (const decision of patch.approvalDecisions ?? []) {
    const changed = await execute(db, oversightSql.decideApproval, {
      id: decision.id,
      run_id: runId,
      status: decidedStatus(decision.decision),
      decided_input: decision.decidedInput === undefined ? null : JSON.stringify(decision.decidedInput),
      reason: decision.reason ?? null,
      decided_by: JSON.stringify(decision.decidedBy),
      now: at,
    });
    if (changed !== 1) throw alreadyDecided(decision.id);
  }
  const opened = patch.escalationOpened;
  if (opened !== undefined) {
    await query(db, oversightSql.insertEscalation, {
      ...owner,
      id: opened.id,
      trigger: opened.trigger,
      reason: opened.reason,
      handoff: JSON.stringify(opened.handoff),
      now: at,
    });
  }
  if (patch.escalationStatus !== undefined) {
    await query(db, oversightSql.setEscalationStatus, { id: patch.escalationStatus.id, run_id: runId, status: patch.escalationStatus.status, now: at });
  }
}

/** The PostgreSQL side of {@link OversightStore}, spread into the PostgreSQL store. */
export function createPostgresOversightStore(pool: Pool): OversightStore {
  const page = async <Item>(
    statement: (typeof oversightSql)[keyof typeof oversightSql],
    values: Record<string, unknown>,
    limit: number,
    toItem: (row: Row) => Item,
    cursorOf: (item: Item) => string,
  ) => keysetPage(await query(pool, statement, { ...values, limit: limit + 1 }), limit, toItem, cursorOf);
  const before = (cursor: string | undefined) => (cursor === undefined ? { time: newest, key: '' } : decodeKeysetCursor(cursor));
  // One tenant's approvals (`scope` names it) or every tenant's.
  const approvalPage = async (statement: (typeof oversightSql)[keyof typeof oversightSql], scope: { tenant_id?: string }, approvalQuery: ApprovalQuery) => {
    const cursor = before(approvalQuery.cursor);
    const result = await page(
      statement,
      {
        ...scope,
        before_time: cursor.time,
        before_id: cursor.key,
        status: approvalQuery.status ?? null,
        agent: approvalQuery.agent ?? null,
        user_id: approvalQuery.userId ?? null,
        run_id: approvalQuery.runId ?? null,
      },
      pageLimit(approvalQuery.limit),
      (row) => toApprovalRecord(row, postgresFields),
      (approval) => encodeKeysetCursor(approval.createdAt, approval.id),
    );
    return { approvals: result.items, ...(result.nextCursor === undefined ? {} : { nextCursor: result.nextCursor }) };
  };
  return {
    getApproval: (tenantId, id) =>
      guard(async () => {
        const [row] = await query(pool, oversightSql.getApproval, { tenant_id: tenantId, id });
        return row === undefined ? undefined : toApprovalRecord(row, postgresFields);
      }),
    listApprovals: (tenantId, approvalQuery) => guard(async () => await approvalPage(oversightSql.listApprovals, { tenant_id: tenantId }, approvalQuery)),
    listApprovalsOfAllTenants: (approvalQuery) => guard(async () => await approvalPage(oversightSql.listApprovalsOfAllTenants, {}, approvalQuery)),
    findApprovalTenant: (approvalId) =>
      guard(async () => {
        const [row] = await query(pool, oversightSql.findApprovalTenant, { id: approvalId });
        return row === undefined ? undefined : text(row, 'tenant_id');
      }),
    dueApprovals: (now, limit) =>
      guard(async () => (await query(pool, oversightSql.dueApprovals, { now: now.toISOString(), limit })).map((row) => toApprovalRecord(row, postgresFields))),
    dueApprovalLevels: (now, limit) =>
      guard(async () => (await query(pool, oversightSql.dueLevels, { now: now.toISOString(), limit })).map((row) => toApprovalRecord(row, postgresFields))),
    advanceApprovalLevel: (input) =>
      guard(
        async () =>
          (await execute(pool, oversightSql.advanceLevel, {
            tenant_id: input.tenantId,
            id: input.approvalId,
            from_level: input.fromLevel,
            group: input.group,
            next_level_at: input.nextLevelAt?.toISOString() ?? null,
          })) === 1,
      ),
    getEscalation: (tenantId, id) =>
      guard(async () => {
        const [row] = await query(pool, oversightSql.getEscalation, { tenant_id: tenantId, id });
        return row === undefined ? undefined : toEscalationRecord(row, postgresFields);
      }),
    listEscalations: (tenantId, escalationQuery) =>
      guard(async () => {
        const cursor = before(escalationQuery.cursor);
        const result = await page(
          oversightSql.listEscalations,
          {
            tenant_id: tenantId,
            before_time: cursor.time,
            before_id: cursor.key,
            status: escalationQuery.status ?? null,
            run_id: escalationQuery.runId ?? null,
          },
          pageLimit(escalationQuery.limit),
          (row) => toEscalationRecord(row, postgresFields),
          (escalation) => encodeKeysetCursor(escalation.createdAt, escalation.id),
        );
        return { escalations: result.items, ...(result.nextCursor === undefined ? {} : { nextCursor: result.nextCursor }) };
      }),
    putFeedback: (input) =>
      guard(async () => {
        const [row] = await query(pool, oversightSql.putFeedback, {
          tenant_id: input.tenantId,
          run_id: input.runId,
          user_id: input.userId,
          rating: input.rating,
          correction: input.correction ?? null,
          comment: input.comment ?? null,
          now: input.now.toISOString(),
        });
        if (row === undefined) throw new KeelError({ code: 'RUN_NOT_FOUND', message: `No run with id "${input.runId}"` });
        return toFeedbackRecord(row, postgresFields);
      }),
    listFeedback: (tenantId, feedbackQuery) =>
      guard(async () => {
        const cursor = before(feedbackQuery.cursor);
        const result = await page(
          oversightSql.listFeedback,
          {
            tenant_id: tenantId,
            before_time: cursor.time,
            before_id: cursor.key,
            agent: feedbackQuery.agent ?? null,
            rating: feedbackQuery.rating ?? null,
            run_id: feedbackQuery.runId ?? null,
          },
          pageLimit(feedbackQuery.limit),
          (row) => toFeedbackRecord(row, postgresFields),
          (feedback) => encodeKeysetCursor(feedback.updatedAt, `${feedback.runId} ${feedback.userId}`),
        );
        return { feedback: result.items, ...(result.nextCursor === undefined ? {} : { nextCursor: result.nextCursor }) };
      }),
    getApprovalPolicy: (tenantId) =>
      guard(async () => {
        const [row] = await query(pool, oversightSql.getPolicy, { tenant_id: tenantId });
        return { requireApproval: row === undefined ? [] : (row.require_approval as string[]) };
      }),
    setApprovalPolicy: (tenantId, policy, now) =>
      guard(async () => {
        assertApprovalPolicy(policy);
        await query(pool, oversightSql.putPolicy, { tenant_id: tenantId, require_approval: JSON.stringify(policy.requireApproval), now: now.toISOString() });
        return { requireApproval: [...policy.requireApproval] };
      }),
  };
}
