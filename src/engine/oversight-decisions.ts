import { KeelError } from '../errors/index.ts';
import type { Actor, JournalEvent } from '../journal/events.ts';
import type { KeelConfig } from '../sdk/define-config.ts';
import type { ApprovalRecord, EscalationRecord } from '../store/oversight-store.ts';
import type { Store } from '../store/store.ts';
import type { Commit } from './commits.ts';
import { applyEvent, runMessages, type RunState } from './fold.ts';
import { auditOversight } from './oversight-audit.ts';
import { decideOnWaitingRun, type WaitingRunOptions } from './waiting-run.ts';

export interface ApprovalDecisionInput {
  decision: 'approve' | 'reject' | 'edit';
  /** The arguments to run the call with instead, for `edit`: validated against the tool's input schema. */
  args?: unknown;
  reason?: string;
}

interface DecisionContext {
  store: Store;
  config: KeelConfig;
  waiting: Omit<WaitingRunOptions, 'runId' | 'tenantId'>;
  committed: (commit: Commit) => void;
}

/**
 * Decides an approval once: the decision is journaled on the run (`approval-decision`) and
 * recorded on the inbox row in the same transaction, guarded by the row still being pending, so
 * concurrent deciders on any number of nodes get one winner and `APPROVAL_ALREADY_DECIDED` for
 * the rest. Edited arguments are validated first and a bad edit changes nothing. When every
 * gated call of the step is decided, the run is queued and resumes on any node: an approved call
 * runs as proposed, an edited one with its new arguments, a rejected one gives the model the
 * reason as its result. The decision, its decider and its time are recorded in the audit log.
 */
export async function decideApproval(
  context: DecisionContext,
  input: { tenantId: string; approvalId: string; actor: Actor; now: Date } & ApprovalDecisionInput,
): Promise<ApprovalRecord> {
  const { store } = context;
  const approval = await store.getApproval(input.tenantId, input.approvalId);
  if (approval === undefined) throw new KeelError({ code: 'APPROVAL_NOT_FOUND', message: `No approval with id "${input.approvalId}"` });
  if (approval.status !== 'pending') throw alreadyDecided(approval);
  const edited = editedArguments(context.config, approval, input);
  try {
    const commit = await decideOnWaitingRun({ ...context.waiting, tenantId: input.tenantId, runId: approval.runId }, (state) => {
      const step = state.steps.find((candidate) => candidate.step === approval.step);
      const call = step?.toolCalls.get(approval.callId);
      if (step === undefined || call?.approval?.request.approvalId !== approval.id) {
        throw new KeelError({ code: 'APPROVAL_NOT_FOUND', message: `No approval with id "${approval.id}" in its run's journal` });
      }
      if (call.approval.decision !== undefined) throw alreadyDecided(approval);
      const othersPending = [...step.toolCalls.values()].some(
        (other) => other !== call && other.approval !== undefined && other.approval.decision === undefined,
      );
      const events: JournalEvent[] = [
        {
          type: 'approval-decision',
          approvalId: approval.id,
          step: approval.step,
          callId: approval.callId,
          decision: input.decision,
          ...(edited === undefined ? {} : { input: edited }),
          ...(input.reason === undefined ? {} : { reason: input.reason }),
          actor: input.actor,
        },
      ];
      const resume = !othersPending && state.waiting?.reason === 'approval';
      if (resume) events.push({ type: 'run-resume', reason: 'approval', details: { approvalId: approval.id } });
      return {
        events,
        patch: {
          approvalDecisions: [
            {
              id: approval.id,
              decision: input.decision,
              ...(edited === undefined ? {} : { decidedInput: edited }),
              ...(input.reason === undefined ? {} : { reason: input.reason }),
              decidedBy: input.actor,
            },
          ],
          ...(resume ? { status: 'queued' as const, waitingReason: null } : {}),
        },
      };
    });
    context.committed(commit);
  } catch (error) {
    // The run moved on while we waited for it: the approval was decided meanwhile (by another reviewer, node or the timeout).
    if (KeelError.isInstance(error) && error.code === 'RUN_NOT_WAITING') {
      const now = await store.getApproval(input.tenantId, input.approvalId);
      if (now !== undefined && now.status !== 'pending') throw alreadyDecided(now);
    }
    throw error;
  }
  await auditOversight(store, {
    tenantId: input.tenantId,
    actor: input.actor,
    action: 'approval.decide',
    subject: `approval:${approval.id}`,
    details: {
      decision: input.decision,
      runId: approval.runId,
      agent: approval.agent,
      userId: approval.userId,
      tool: approval.toolName,
      source: approval.source,
    },
    now: input.now,
  });
  const decided = await store.getApproval(input.tenantId, input.approvalId);
  if (decided === undefined) throw new KeelError({ code: 'APPROVAL_NOT_FOUND', message: `No approval with id "${input.approvalId}"` });
  return decided;
}

function editedArguments(config: KeelConfig, approval: ApprovalRecord, input: ApprovalDecisionInput): unknown {
  if (input.decision !== 'edit') {
    if (input.args !== undefined) throw new KeelError({ code: 'INPUT_INVALID', message: 'args go with decision "edit" only', details: { field: 'args' } });
    return undefined;
  }
  if (input.args === undefined)
    throw new KeelError({ code: 'INPUT_INVALID', message: 'decision "edit" needs args: the arguments to run the call with', details: { field: 'args' } });
  const tool = config.agents.get(approval.agent)?.tools.find((candidate) => candidate.name === approval.toolName);
  if (tool === undefined) {
    throw new KeelError({
      code: 'INPUT_INVALID',
      message: `The tool "${approval.toolName}" is no longer configured: its arguments cannot be checked`,
      details: { field: 'args' },
    });
  }
  const parsed = tool.input.safeParse(input.args);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 10).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new KeelError({
      code: 'INPUT_INVALID',
      message: `The edited arguments do not match the input schema of ${tool.name}`,
      details: { field: 'args', issues },
    });
  }
  return parsed.data;
}

function alreadyDecided(approval: ApprovalRecord): KeelError {
  return new KeelError({
    code: 'APPROVAL_ALREADY_DECIDED',
    message: `Approval "${approval.id}" was already decided${approval.status === 'pending' ? '' : ` (${approval.status})`}`,
    details: { approvalId: approval.id, status: approval.status },
  });
}

/**
 * A person's reply in an escalation: journaled on the run (`escalation-reply`), it reaches the
 * end user as the assistant's turn — in the run's event stream now, in the session's history with
 * the run's end. With `handBack` the run is queued and the agent resumes with the reply and a
 * note in its context. The reply is audited (who, when, whether it handed back; not its text).
 */
export async function replyToEscalation(
  context: DecisionContext,
  input: { tenantId: string; escalationId: string; message: string; handBack: boolean; actor: Actor; now: Date },
): Promise<EscalationRecord> {
  const escalation = await openEscalation(context.store, input.tenantId, input.escalationId);
  if (input.message.trim() === '') throw new KeelError({ code: 'INPUT_INVALID', message: 'message must not be empty', details: { field: 'message' } });
  const commit = await decideOnWaitingRun({ ...context.waiting, tenantId: input.tenantId, runId: escalation.runId }, (state) => {
    assertStillOpen(state, escalation);
    const events: JournalEvent[] = [
      { type: 'escalation-reply', escalationId: escalation.id, message: input.message, handBack: input.handBack, actor: input.actor },
    ];
    if (!input.handBack) return { events };
    events.push({ type: 'run-resume', reason: 'human', details: { escalationId: escalation.id } });
    return { events, patch: { status: 'queued', waitingReason: null, escalationStatus: { id: escalation.id, status: 'handed-back' } } };
  });
  context.committed(commit);
  await auditOversight(context.store, {
    tenantId: input.tenantId,
    actor: input.actor,
    action: 'escalation.reply',
    subject: `escalation:${escalation.id}`,
    details: { runId: escalation.runId, agent: escalation.agent, userId: escalation.userId, handBack: input.handBack },
    now: input.now,
  });
  return await escalationRecord(context.store, input.tenantId, input.escalationId);
}

/**
 * Closes an escalation: the run ends, completed, with the last reply as its answer (and the
 * conversation, replies included, written to the session). `endSession` is journaled for the
 * application, which decides what a closed conversation means to its users. Audited.
 */
export async function resolveEscalation(
  context: DecisionContext,
  input: { tenantId: string; escalationId: string; endSession: boolean; actor: Actor; now: Date },
): Promise<EscalationRecord> {
  const escalation = await openEscalation(context.store, input.tenantId, input.escalationId);
  const commit = await decideOnWaitingRun({ ...context.waiting, tenantId: input.tenantId, runId: escalation.runId }, (state) => {
    assertStillOpen(state, escalation);
    const lastReply = state.escalations.get(escalation.id)?.replies.at(-1);
    const output = lastReply?.message ?? null;
    const events: JournalEvent[] = [
      { type: 'escalation-resolve', escalationId: escalation.id, actor: input.actor, ...(input.endSession ? { endSession: true } : {}) },
      { type: 'run-end', status: 'completed', output },
    ];
    const at = input.now.toISOString();
    for (const event of events) applyEvent(state, event, at);
    return {
      events,
      patch: {
        status: 'completed',
        waitingReason: null,
        output,
        error: null,
        endedAt: input.now,
        releaseReservations: true,
        sessionMessages: runMessages(state),
        escalationStatus: { id: escalation.id, status: 'resolved' },
      },
    };
  });
  context.committed(commit);
  await auditOversight(context.store, {
    tenantId: input.tenantId,
    actor: input.actor,
    action: 'escalation.resolve',
    subject: `escalation:${escalation.id}`,
    details: { runId: escalation.runId, agent: escalation.agent, userId: escalation.userId, endSession: input.endSession },
    now: input.now,
  });
  return await escalationRecord(context.store, input.tenantId, input.escalationId);
}

async function openEscalation(store: Store, tenantId: string, escalationId: string): Promise<EscalationRecord> {
  const escalation = await escalationRecord(store, tenantId, escalationId);
  if (escalation.status !== 'open') throw closed(escalation.id, escalation.status);
  return escalation;
}

async function escalationRecord(store: Store, tenantId: string, escalationId: string): Promise<EscalationRecord> {
  const escalation = await store.getEscalation(tenantId, escalationId);
  if (escalation === undefined) throw new KeelError({ code: 'ESCALATION_NOT_FOUND', message: `No escalation with id "${escalationId}"` });
  return escalation;
}

function assertStillOpen(state: RunState, escalation: EscalationRecord): void {
  const current = state.escalations.get(escalation.id);
  if (current === undefined) throw new KeelError({ code: 'ESCALATION_NOT_FOUND', message: `No escalation with id "${escalation.id}" in its run's journal` });
  const handedBack = current.replies.some((reply) => reply.handBack);
  if (current.resolved !== undefined || handedBack || state.end !== undefined || state.waiting?.reason !== 'human') throw closed(escalation.id, 'closed');
}

function closed(escalationId: string, status: string): KeelError {
  return new KeelError({ code: 'ESCALATION_CLOSED', message: `Escalation "${escalationId}" is ${status}`, details: { escalationId, status } });
}
