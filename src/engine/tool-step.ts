import type { SerializedError } from '../errors/index.ts';
import { loopDetection } from '../guardrails/loop-detection.ts';
import { sleep } from '../internal/sleep.ts';
import type { JournalEvent } from '../journal/events.ts';
import type { AgentDefinition } from '../sdk/define-agent.ts';
import type { Guardrail } from '../sdk/define-guardrail.ts';
import type { ToolDefinition } from '../sdk/define-tool.ts';
import type { ApprovalPolicy, NewApproval } from '../store/oversight-store.ts';
import { approvalNeed, approvalRequest, type ApprovalNeed } from './approval-gate.ts';
import { escalate, escalationToolName, failuresSinceEscalation, repeatedFailureReason } from './escalation.ts';
import { escalatedSince, type StepState, type ToolCallState } from './fold.ts';
import { pastToolCalls } from './past-tool-calls.ts';
import { guardrailsAt, journaledOutcome, runGuardrails, type BoundaryOutcome, type GuardrailDecision } from './guardrail-runner.ts';
import type { ExecutionOutcome, LoopContext } from './loop-context.ts';
import { runToolCall, type InspectResult, type ToolOutcome } from './tool-runner.ts';

type ToolResultEvent = Extract<JournalEvent, { type: 'tool-result' }>;

/** The tool-call guardrails of an agent: its own, then loop detection unless it configured one or turned it off. */
export function toolCallGuardrails(agent: AgentDefinition): readonly Guardrail[] {
  const configured = guardrailsAt(agent.guardrails, 'tool-call');
  if (agent.guardrails.loopDetection === false || configured.some((guardrail) => guardrail.name === 'loop-detection')) return configured;
  return [...configured, defaultLoopDetection];
}

const defaultLoopDetection = loopDetection();

/**
 * Brings a step's tool calls to rest: decides each unfinished call in the model's order — run
 * it, refuse it (a guardrail's verdict, a rejected approval), or let it wait for a person —
 * commits those decisions before anything runs, runs the calls that may run in parallel, then
 * parks or ends the run if the step calls for it (an unknown outcome, a pending approval, an
 * escalation, a guardrail that ends the run). What it decides is read back from the fold, so a
 * step resumed after a crash rests the same way.
 */
export async function runPendingTools(context: LoopContext, step: StepState): Promise<ExecutionOutcome | undefined> {
  const pending = [...step.toolCalls.values()].filter((call) => call.result === undefined);
  if (pending.length > 0) {
    // Draining: start no tool; whoever resumes the run runs them (finishing an answered run is fine).
    if (context.isDraining()) return 'released';
    context.checkDeadline();
    const runnable = await decideCalls(context, step, pending);
    const { unknown, missing } = await runCalls(context, step, runnable);
    if (unknown.length > 0) return await context.park('outcome-unknown', { calls: unknown });
    // The calls that lack a credential never started: they run when the run resumes.
    if (missing.length > 0) return await context.park('credential', { calls: missing });
  }
  return await restStep(context, step);
}

interface Runnable {
  call: ToolCallState;
  /** Absent when the agent no longer has the tool its call named. */
  tool: ToolDefinition | undefined;
  input: unknown;
}

/** Decides each pending call and commits the decisions (verdicts, refusals, approval requests) in one write. */
async function decideCalls(context: LoopContext, step: StepState, pending: ToolCallState[]): Promise<Runnable[]> {
  const { agent, state } = context;
  const history = pastToolCalls(state);
  const guardrails = toolCallGuardrails(agent);
  let policy: ApprovalPolicy | undefined;
  const journal: JournalEvent[] = [];
  const requests: NewApproval[] = [];
  const runnable: Runnable[] = [];
  const refuse = (call: ToolCallState, error: SerializedError) =>
    journal.push({ type: 'tool-result', step: step.step, callId: call.intent.callId, error, durationMs: 0 });

  for (const call of pending) {
    const { intent } = call;
    if (intent.toolName === escalationToolName && agent.escalation.enabled) {
      // The model asked for a human: the call's result says so, and the step escalates below.
      journal.push({ type: 'tool-result', step: step.step, callId: intent.callId, output: { handedTo: 'a human agent' }, durationMs: 0 });
      continue;
    }
    const tool = agent.tools.find((candidate) => candidate.name === intent.toolName);
    if (tool === undefined) {
      runnable.push({ call, tool: undefined, input: intent.input });
      continue;
    }
    const approval = call.approval;
    if (approval?.decision !== undefined) {
      if (approval.decision.decision === 'reject') {
        refuse(call, {
          code: 'APPROVAL_REJECTED',
          message: `A reviewer rejected this call${approval.decision.reason === undefined ? '' : `: ${approval.decision.reason}`}`,
        });
      } else {
        runnable.push({ call, tool, input: approval.decision.input ?? effectiveInput(call) });
      }
      continue;
    }
    if (approval !== undefined) continue; // still waiting for a person

    const journaled = call.decisions.filter((decision) => decision.boundary === 'tool-call');
    let outcome: Omit<BoundaryOutcome, 'decisions'>;
    if (journaled.length > 0) {
      outcome = journaledOutcome(journaled);
    } else {
      const checked = await runGuardrails(
        guardrails,
        {
          boundary: 'tool-call',
          step: step.step,
          call: { callId: intent.callId, toolName: intent.toolName, effect: intent.effect, input: intent.input },
          history,
        },
        context.guardrailContext,
        { step: step.step, callId: intent.callId },
      );
      journal.push(...checked.decisions);
      outcome = checked;
    }
    const input = effectiveInput(call, outcome.replacement?.args, tool);
    if (input.ok === false) {
      refuse(call, { code: 'GUARDRAIL_BLOCKED', message: input.message });
      continue;
    }
    let need: ApprovalNeed | undefined;
    if (outcome.stop !== undefined) {
      if (outcome.stop.verdict === 'block') {
        refuse(call, { code: 'GUARDRAIL_BLOCKED', message: outcome.stop.reason, details: { guardrail: outcome.stop.guardrail } });
        continue;
      }
      if (outcome.stop.verdict === 'escalate') continue; // the step escalates below, from the journaled verdict
      need = { source: 'guardrail', reason: outcome.stop.reason };
    }
    policy ??= await context.store.getApprovalPolicy(context.tenantId);
    need ??= await approvalNeed(
      tool,
      input.value,
      { runId: context.runId, tenantId: context.tenantId, userId: context.run.userId, sessionId: context.run.sessionId },
      policy,
    );
    if (need !== undefined) {
      const request = approvalRequest({
        runId: context.runId,
        agent,
        tool,
        step: step.step,
        callId: intent.callId,
        callInput: input.value,
        need,
        now: context.now(),
      });
      journal.push(request.event);
      requests.push(request.row);
      continue;
    }
    runnable.push({ call, tool, input: input.value });
  }
  if (journal.length > 0) await context.record(journal, requests.length > 0 ? { approvalRequests: requests } : undefined);
  return runnable;
}

/**
 * Runs the calls that may run, in parallel, each to a durable outcome; returns those whose
 * outcome nobody can tell, and those that did not start for want of a credential.
 */
async function runCalls(
  context: LoopContext,
  step: StepState,
  runnable: Runnable[],
): Promise<{ unknown: Array<Record<string, unknown>>; missing: Array<Record<string, unknown>> }> {
  const { state } = context;
  const resultGuardrails = guardrailsAt(context.agent.guardrails, 'tool-result');
  const settled = await Promise.allSettled(
    runnable.map(({ call, tool, input }): Promise<ToolOutcome> => {
      if (tool === undefined) return missing(context, step, call);
      const inspectResult: InspectResult | undefined =
        resultGuardrails.length === 0
          ? undefined
          : async (event) => {
              const checked = await runGuardrails(
                resultGuardrails,
                {
                  boundary: 'tool-result',
                  step: step.step,
                  call: {
                    callId: call.intent.callId,
                    toolName: tool.name,
                    effect: tool.effect,
                    input,
                    ...(tool.outputJsonSchema === undefined ? {} : { outputSchema: tool.outputJsonSchema }),
                  },
                  ...(event.error === undefined ? { output: event.output } : { error: event.error }),
                },
                context.guardrailContext,
                { step: step.step, callId: call.intent.callId },
              );
              return { events: checked.decisions, ...(checked.stop === undefined ? {} : { stop: checked.stop }) };
            };
      return runToolCall({
        tool,
        call,
        input,
        journal: { append: (events) => context.record(events), defer: context.defer },
        signal: context.signal,
        context: { runId: context.runId, tenantId: context.tenantId, sessionId: state.start.sessionId, userId: state.start.userId },
        credentials: context.credentials,
        resolvedSecrets: context.resolvedSecrets,
        log: context.log,
        now: context.now,
        sleep,
        ...(inspectResult === undefined ? {} : { inspectResult }),
      });
    }),
  );
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  const of = (kind: 'outcome-unknown' | 'credential-missing') =>
    settled.flatMap((result) => (result.status === 'fulfilled' && result.value.kind === kind ? [result.value.details] : []));
  return { unknown: of('outcome-unknown'), missing: of('credential-missing') };
}

/** What the step's journaled verdicts, calls and approvals leave the run to do next. */
async function restStep(context: LoopContext, step: StepState): Promise<ExecutionOutcome | undefined> {
  const { agent, state } = context;
  const calls = [...step.toolCalls.values()];
  const verdicts = calls.flatMap((call) => call.decisions);
  const ending = verdicts.find((decision) => decision.verdict === 'block' && decision.end === true);
  if (ending !== undefined) return await context.end('failed', { error: blockedError(ending) });

  if (!escalatedSince(state, step.step)) {
    const escalating = verdicts.find((decision) => decision.verdict === 'escalate');
    if (escalating !== undefined) return await escalate(context, { trigger: 'guardrail', reason: `${escalating.guardrail}: ${escalating.reason}` });
    const asked = calls.find((call) => call.intent.toolName === escalationToolName && agent.escalation.enabled);
    if (asked !== undefined) {
      const { reason, question } = (asked.intent.input ?? {}) as { reason?: unknown; question?: unknown };
      return await escalate(context, {
        trigger: 'agent-request',
        reason: typeof reason === 'string' ? reason : 'The agent asked for a human',
        ...(typeof question === 'string' ? { question } : {}),
      });
    }
    const resultStop = calls
      .map((call) => journaledOutcome(call.decisions.filter((decision) => decision.boundary === 'tool-result')).stop)
      .find((stop) => stop !== undefined && stop.verdict !== 'block');
    if (resultStop !== undefined) return await escalate(context, { trigger: 'guardrail', reason: `${resultStop.guardrail}: ${resultStop.reason}` });
    // Counted only for an agent that escalates: it reads every step since the last hand-off.
    const failures = agent.escalation.enabled ? failuresSinceEscalation(state) : undefined;
    if (failures !== undefined && failures.toolCalls + failures.answers >= agent.escalation.afterToolFailures) {
      return await escalate(context, { trigger: 'repeated-failure', reason: repeatedFailureReason(failures) });
    }
  }

  const waiting = calls.flatMap((call) => (call.approval !== undefined && call.approval.decision === undefined ? [call.approval.request] : []));
  if (waiting.length > 0) {
    return await context.park('approval', {
      approvals: waiting.map((request) => ({ approvalId: request.approvalId, callId: request.callId, toolName: request.toolName })),
    });
  }
  return undefined;
}

export function blockedError(decision: GuardrailDecision): SerializedError {
  return {
    code: 'GUARDRAIL_BLOCKED',
    message: `Blocked by the ${decision.guardrail} guardrail at the ${decision.boundary} boundary: ${decision.reason}`,
    details: { guardrail: decision.guardrail, boundary: decision.boundary },
  };
}

/**
 * The arguments a call runs with: what a guardrail's `modify` gave (checked against the tool's
 * schema, since a guardrail can be wrong too), else what the model gave and the journal holds.
 */
function effectiveInput(call: ToolCallState): unknown;
function effectiveInput(call: ToolCallState, replacement: unknown, tool: ToolDefinition): { ok: true; value: unknown } | { ok: false; message: string };
function effectiveInput(call: ToolCallState, replacement?: unknown, tool?: ToolDefinition): unknown {
  if (tool === undefined) {
    const modified = call.decisions.filter((decision) => decision.boundary === 'tool-call' && decision.replacement?.args !== undefined).at(-1);
    return modified?.replacement?.args ?? call.intent.input;
  }
  if (replacement === undefined) return { ok: true, value: call.intent.input };
  const parsed = tool.input.safeParse(replacement);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, message: `A guardrail changed the arguments of ${tool.name} into ones its input schema refuses` };
}

function missing(context: LoopContext, step: StepState, call: ToolCallState): Promise<ToolOutcome> {
  if (call.intent.effect === 'unsafe' && call.starts > call.clearedStarts) {
    // The tool is gone but may have taken effect: telling the model it failed invites a redo.
    const { callId, toolName, idempotencyKey, input } = call.intent;
    return Promise.resolve({ kind: 'outcome-unknown', details: { callId, step: call.intent.step, toolName, idempotencyKey, input } });
  }
  // The agent changed since the call was journaled: report it to the model like any bad call.
  const event: ToolResultEvent = {
    type: 'tool-result',
    step: step.step,
    callId: call.intent.callId,
    error: { code: 'TOOL_NOT_FOUND', message: `The tool "${call.intent.toolName}" no longer exists` },
    durationMs: 0,
  };
  return context.record([event]).then((): ToolOutcome => ({ kind: 'result', event }));
}
