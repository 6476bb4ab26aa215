import type { Actor } from '../journal/events.ts';

/**
 * The part of the Store port behind human oversight: the approval inbox, escalations, feedback
 * and each tenant's approval policy. The journal is the record of what happened to a run; these
 * tables are the indexes people work from (pending approvals across runs, open escalations), and
 * they are written in the same transaction as the journal events they index (`RunPatch`), so the
 * two never disagree.
 */
export interface OversightStore {
  listApprovals(tenantId: string, query: ApprovalQuery): Promise<{ approvals: ApprovalRecord[]; nextCursor?: string }>;
  getApproval(tenantId: string, approvalId: string): Promise<ApprovalRecord | undefined>;
  /**
   * Every tenant's approvals, newest first, in pages, with the filters of `listApprovals`. For
   * operator tools only (`keel approvals ls --all-tenants`): nothing an API caller sends may
   * reach it, since it crosses tenants.
   */
  listApprovalsOfAllTenants(query: ApprovalQuery): Promise<{ approvals: ApprovalRecord[]; nextCursor?: string }>;
  /** The tenant an approval belongs to, found by its id alone: for operator tools only (`keel approvals show --all-tenants`). */
  findApprovalTenant(approvalId: string): Promise<string | undefined>;
  /** Pending approvals, of any tenant, whose timeout is due at `now`: the sweeper rejects them. */
  dueApprovals(now: Date, limit: number): Promise<ApprovalRecord[]>;
  /** Pending approvals, of any tenant, whose next escalation level is due at `now`. */
  dueApprovalLevels(now: Date, limit: number): Promise<ApprovalRecord[]>;
  /**
   * Moves a pending approval from level `fromLevel` to the next, naming its group and when the
   * level after is due (`null`: none). False when it is no longer pending or another node moved
   * it first — so each level is notified exactly once, from any node.
   */
  advanceApprovalLevel(input: {
    tenantId: string;
    approvalId: string;
    fromLevel: number;
    group: string;
    nextLevelAt: Date | null;
    now: Date;
  }): Promise<boolean>;

  listEscalations(tenantId: string, query: EscalationQuery): Promise<{ escalations: EscalationRecord[]; nextCursor?: string }>;
  getEscalation(tenantId: string, escalationId: string): Promise<EscalationRecord | undefined>;

  /** Records an end user's rating of a run; a second one by the same user replaces the first. */
  putFeedback(input: NewFeedback): Promise<FeedbackRecord>;
  listFeedback(tenantId: string, query: FeedbackQuery): Promise<{ feedback: FeedbackRecord[]; nextCursor?: string }>;

  /** Tools of the tenant that always need approval (`*`: every tool), whatever the agent says. */
  getApprovalPolicy(tenantId: string): Promise<ApprovalPolicy>;
  setApprovalPolicy(tenantId: string, policy: ApprovalPolicy, now: Date): Promise<ApprovalPolicy>;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'edited';

/** An approval request as the inbox lists it. */
export interface ApprovalRecord {
  id: string;
  tenantId: string;
  runId: string;
  agent: string;
  userId: string;
  sessionId: string;
  step: number;
  callId: string;
  toolName: string;
  input: unknown;
  reason: string;
  source: 'tool' | 'guardrail' | 'policy';
  status: ApprovalStatus;
  /** The arguments it ran with, when a reviewer edited them. */
  decidedInput: unknown;
  decisionReason: string | null;
  decidedBy: Actor | null;
  createdAt: string;
  decidedAt: string | null;
  expiresAt: string;
  /** How far up its escalation chain it has gone (0: not yet), and the group that holds it. */
  level: number;
  group: string | null;
  nextLevelAt: string | null;
}

/** What `RunPatch.approvalRequests` inserts, with the run's `approval-request` events. */
export interface NewApproval {
  id: string;
  step: number;
  callId: string;
  toolName: string;
  input: unknown;
  reason: string;
  source: ApprovalRecord['source'];
  expiresAt: Date;
  nextLevelAt: Date | null;
}

/** What `RunPatch.approvalDecisions` records, with the run's `approval-decision` events. */
export interface ApprovalDecisionRecord {
  id: string;
  decision: 'approve' | 'reject' | 'edit';
  decidedInput?: unknown;
  reason?: string;
  decidedBy: Actor;
}

export interface ApprovalQuery {
  status?: 'pending' | 'decided';
  agent?: string;
  userId?: string;
  runId?: string;
  limit?: number;
  cursor?: string;
}

export type EscalationStatus = 'open' | 'handed-back' | 'resolved';

export interface EscalationRecord {
  id: string;
  tenantId: string;
  runId: string;
  agent: string;
  userId: string;
  sessionId: string;
  trigger: string;
  reason: string;
  handoff: Record<string, unknown>;
  status: EscalationStatus;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
}

/** What `RunPatch.escalationOpened` inserts, with the run's `escalation-open` event. */
export interface NewEscalation {
  id: string;
  trigger: string;
  reason: string;
  handoff: Record<string, unknown>;
}

export interface EscalationQuery {
  status?: EscalationStatus;
  runId?: string;
  limit?: number;
  cursor?: string;
}

export interface NewFeedback {
  tenantId: string;
  runId: string;
  userId: string;
  rating: 1 | -1;
  correction?: string;
  comment?: string;
  now: Date;
}

export interface FeedbackRecord {
  tenantId: string;
  runId: string;
  userId: string;
  agent: string;
  rating: 1 | -1;
  correction: string | null;
  comment: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FeedbackQuery {
  agent?: string;
  rating?: 1 | -1;
  runId?: string;
  limit?: number;
  cursor?: string;
}

export interface ApprovalPolicy {
  /** Tool names that always need approval in this tenant; `['*']` for every tool. */
  requireApproval: string[];
}
