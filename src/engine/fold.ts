import { KeelError, type SerializedError } from '../errors/index.ts';
import { addUsage, emptyUsage, type ModelMessage, type ModelUsage } from '../journal/messages.ts';
import type { JournalEntry, JournalEvent, WaitingReason } from '../journal/events.ts';
import { KeptOverSteps, markStepChanged } from './step-changes.ts';

type EventOf<T extends JournalEvent['type']> = Extract<JournalEvent, { type: T }>;

/** One tool call of a step, as far as the journal knows it. */
export interface ToolCallState {
  intent: EventOf<'tool-call'>;
  /** Start markers written for this call (one per execution attempt). */
  starts: number;
  /** Starts a person has declared to have had no effect: only later ones leave the outcome unknown. */
  clearedStarts: number;
  result: EventOf<'tool-result'> | undefined;
  /** Guardrail verdicts on this call (tool-call boundary) and on its result (tool-result boundary), in order. */
  decisions: EventOf<'guardrail-decision'>[];
  /** Its approval request and the decision on it, when it needed one. */
  approval: { request: EventOf<'approval-request'>; decision: EventOf<'approval-decision'> | undefined } | undefined;
}

/** An escalation of the run to a human, as the journal tells it. */
export interface EscalationState {
  open: EventOf<'escalation-open'>;
  /** The last step when it opened (0 before the first): a verdict of that step or earlier was escalated by it. */
  afterStep: number;
  replies: EventOf<'escalation-reply'>[];
  resolved: EventOf<'escalation-resolve'> | undefined;
}

/** A message a person put into the conversation (an escalation reply), and the step it came after. */
export interface Interjection {
  afterStep: number;
  reply: EventOf<'escalation-reply'>;
}

export interface StepState {
  step: number;
  /** Model calls started for this step. */
  attempts: number;
  response: EventOf<'model-response'> | undefined;
  /** Keyed by call id; insertion order is the model's order. */
  toolCalls: Map<string, ToolCallState>;
  /** Guardrail verdicts on this step's model turn and, for the final step, on the answer. */
  decisions: EventOf<'guardrail-decision'>[];
}

/**
 * A run's state: a pure fold over its journal. Nothing here is stored elsewhere; resuming after
 * a crash is "read the journal, fold, continue from the first incomplete step".
 */
export interface RunState {
  start: EventOf<'run-start'>;
  startedAt: string;
  lastSeq: number;
  steps: StepState[];
  toolCallCount: number;
  usage: ModelUsage;
  /** Sum of the model calls' costs, in nanodollars. */
  costNanoUsd: number;
  modelCalls: number;
  outputRejections: EventOf<'output-rejected'>[];
  waiting: { reason: WaitingReason; details?: Record<string, unknown>; since: string } | undefined;
  /** Time spent in finished waits: a run's time limit counts only the time it could work. */
  waitedMs: number;
  end: EventOf<'run-end'> | undefined;
  /** Guardrail verdicts on the user's message. */
  inputDecisions: EventOf<'guardrail-decision'>[];
  /** Keyed by escalation id, in the order they opened. */
  escalations: Map<string, EscalationState>;
  /** Escalation replies, in journal order, for the conversation. */
  interjections: Interjection[];
}

export function foldJournal(entries: readonly JournalEntry[]): RunState {
  const first = entries[0];
  if (first?.type !== 'run-start' || first.seq !== 1) {
    throw new KeelError({ code: 'JOURNAL_CORRUPT', message: 'A journal must begin with run-start at seq 1' });
  }
  const state: RunState = {
    start: first,
    startedAt: first.at,
    lastSeq: 0,
    steps: [],
    toolCallCount: 0,
    usage: emptyUsage,
    costNanoUsd: 0,
    modelCalls: 0,
    outputRejections: [],
    waiting: undefined,
    waitedMs: 0,
    end: undefined,
    inputDecisions: [],
    escalations: new Map(),
    interjections: [],
  };
  for (const entry of entries) {
    if (entry.seq !== state.lastSeq + 1) {
      throw new KeelError({ code: 'JOURNAL_CORRUPT', message: `Journal gap: expected seq ${state.lastSeq + 1}, got ${entry.seq}` });
    }
    state.lastSeq = entry.seq;
    applyEvent(state, entry, entry.at);
  }
  return state;
}

/**
 * Applies one event to a folded state (used by the live executor to keep its fold current);
 * `at` is when it was (or is being) journaled.
 */
export function applyEvent(state: RunState, event: JournalEvent, at: string): void {
  if (event.type !== 'step-start' && event.type !== 'text-delta' && 'step' in event && typeof event.step === 'number') markStepChanged(state, event.step);
  switch (event.type) {
    case 'run-start':
    case 'text-delta':
      return;
    case 'step-start': {
      const current = state.steps.at(-1);
      if (current?.step === event.step) current.attempts = event.attempt;
      else state.steps.push({ step: event.step, attempts: event.attempt, response: undefined, toolCalls: new Map(), decisions: [] });
      return;
    }
    case 'model-response':
      stepOf(state, event.step).response = event;
      state.usage = addUsage(state.usage, event.usage);
      state.costNanoUsd += event.costNanoUsd ?? 0;
      state.modelCalls += 1;
      return;
    case 'usage-update':
    case 'model-fallback':
      return;
    case 'tool-call':
      stepOf(state, event.step).toolCalls.set(event.callId, {
        intent: event,
        starts: 0,
        clearedStarts: 0,
        result: undefined,
        decisions: [],
        approval: undefined,
      });
      state.toolCallCount += 1;
      return;
    case 'tool-start':
      callOf(state, event.step, event.callId).starts += 1;
      return;
    case 'tool-result':
      callOf(state, event.step, event.callId).result = event;
      return;
    case 'outcome-decision': {
      const call = callOf(state, event.step, event.callId);
      call.clearedStarts = call.starts;
      return;
    }
    case 'output-rejected':
      state.outputRejections.push(event);
      return;
    case 'run-waiting':
      state.waiting = { reason: event.reason, ...(event.details === undefined ? {} : { details: event.details }), since: at };
      return;
    case 'run-resume':
      if (state.waiting !== undefined) state.waitedMs += Math.max(0, Date.parse(at) - Date.parse(state.waiting.since));
      state.waiting = undefined;
      return;
    case 'run-end':
      state.end = event;
      return;
    case 'guardrail-decision':
      if (event.boundary === 'input') state.inputDecisions.push(event);
      else if (event.callId !== undefined && event.step !== undefined) callOf(state, event.step, event.callId).decisions.push(event);
      else if (event.step !== undefined) stepOf(state, event.step).decisions.push(event);
      return;
    case 'approval-request':
      callOf(state, event.step, event.callId).approval = { request: event, decision: undefined };
      return;
    case 'approval-decision': {
      const approval = callOf(state, event.step, event.callId).approval;
      if (approval === undefined || approval.request.approvalId !== event.approvalId) {
        throw new KeelError({ code: 'JOURNAL_CORRUPT', message: `Decision on approval ${event.approvalId} before its request` });
      }
      approval.decision = event;
      return;
    }
    case 'escalation-open':
      state.escalations.set(event.escalationId, { open: event, afterStep: state.steps.at(-1)?.step ?? 0, replies: [], resolved: undefined });
      return;
    case 'escalation-reply': {
      escalationOf(state, event.escalationId).replies.push(event);
      state.interjections.push({ afterStep: state.steps.at(-1)?.step ?? 0, reply: event });
      return;
    }
    case 'escalation-resolve':
      escalationOf(state, event.escalationId).resolved = event;
      return;
  }
}

function escalationOf(state: RunState, escalationId: string): EscalationState {
  const escalation = state.escalations.get(escalationId);
  if (escalation === undefined) throw new KeelError({ code: 'JOURNAL_CORRUPT', message: `Event for escalation ${escalationId} before it opened` });
  return escalation;
}

function stepOf(state: RunState, step: number): StepState {
  // From the end: events almost always belong to the current step, and a long run has many.
  const found = state.steps.findLast((candidate) => candidate.step === step);
  if (found === undefined) throw new KeelError({ code: 'JOURNAL_CORRUPT', message: `Event for step ${step} before its step-start` });
  return found;
}

function callOf(state: RunState, step: number, callId: string): ToolCallState {
  const call = stepOf(state, step).toolCalls.get(callId);
  if (call === undefined) throw new KeelError({ code: 'JOURNAL_CORRUPT', message: `Event for tool call ${callId} before its tool-call` });
  return call;
}

/** The last step, if it has a model response (i.e. the model call is complete). */
export function lastAnsweredStep(state: RunState): StepState | undefined {
  const last = state.steps.at(-1);
  return last?.response === undefined ? undefined : last;
}

/**
 * The conversation this run has produced so far, in model order: input (as the input
 * guardrails left it), turns, tool results (as the tool-result guardrails left them), repair
 * requests, and what a person said in an escalation.
 */
export function runMessages(state: RunState): ModelMessage[] {
  const interject = (messages: ModelMessage[], afterStep: number) => {
    for (const interjection of state.interjections) if (interjection.afterStep === afterStep) messages.push(...replyMessages(interjection.reply));
  };
  // What changes the conversation without naming a step it covers: input verdicts, replies, repair requests.
  const key = `${state.inputDecisions.length}/${state.interjections.length}/${state.outputRejections.length}`;
  return conversations.build(
    state,
    key,
    () => {
      const messages: ModelMessage[] = [{ role: 'user', content: inputText(state) }];
      interject(messages, 0);
      return messages;
    },
    (index, messages) => {
      const step = state.steps[index] as StepState;
      if (step.response === undefined) return;
      const rejection = state.outputRejections.length === 0 ? undefined : state.outputRejections.find((candidate) => candidate.step === step.step);
      messages.push(...stepMessages(step, rejection));
      if (state.interjections.length > 0) interject(messages, step.step);
    },
  );
}

/** Each run's conversation, kept over all but its last step between calls. */
const conversations = new KeptOverSteps<ModelMessage>();

/**
 * The messages of a finished step, built once and kept while the step stays as it is: a run
 * asks for its whole conversation before every model call, and its old steps do not change.
 */
const builtSteps = new WeakMap<StepState, { key: string; messages: ModelMessage[] }>();

function stepMessages(step: StepState, rejection: EventOf<'output-rejected'> | undefined): ModelMessage[] {
  const response = step.response;
  if (response === undefined) return [];
  // What can still change in a step: results arriving, verdicts on them, a repair request.
  let results = 0;
  let decisions = 0;
  for (const call of step.toolCalls.values()) {
    if (call.result !== undefined) results += 1;
    decisions += call.decisions.length;
  }
  const key = `${results}/${decisions}/${rejection === undefined ? '' : rejection.repairAttempt}`;
  const built = builtSteps.get(step);
  if (built?.key === key) return built.messages;
  const messages: ModelMessage[] = [{ role: 'assistant', content: response.text, ...(response.toolCalls.length > 0 ? { toolCalls: response.toolCalls } : {}) }];
  for (const call of step.toolCalls.values()) {
    if (call.result === undefined) continue;
    messages.push(toolMessage(call, call.result));
  }
  if (rejection !== undefined) messages.push({ role: 'user', content: repairPrompt(rejection.error) });
  builtSteps.set(step, { key, messages });
  return messages;
}

/** The user's message as the model sees it: the last input guardrail's replacement, if any. */
export function inputText(state: RunState): string {
  const modified = state.inputDecisions.filter((decision) => decision.verdict === 'modify' && decision.replacement?.text !== undefined).at(-1);
  return modified?.replacement?.text ?? state.start.input;
}

/** A person's reply is the assistant's turn in the conversation; handing back adds a note for the agent. */
function replyMessages(reply: EventOf<'escalation-reply'>): ModelMessage[] {
  const messages: ModelMessage[] = [{ role: 'assistant', content: reply.message }];
  if (reply.handBack) {
    messages.push({
      role: 'user',
      content: 'A human agent sent the user the reply above and handed the conversation back to you: continue from there.',
    });
  }
  return messages;
}

function toolMessage(call: ToolCallState, result: EventOf<'tool-result'>): ModelMessage {
  const { intent } = call;
  // What the tool-result guardrails decided stands in for the data.
  const verdict = call.decisions
    .filter((decision) => decision.boundary === 'tool-result' && (decision.verdict === 'modify' || decision.verdict === 'block'))
    .at(-1);
  if (verdict?.verdict === 'block') {
    return {
      role: 'tool',
      callId: intent.callId,
      toolName: intent.toolName,
      content: { error: { code: 'GUARDRAIL_BLOCKED', message: verdict.reason } },
      isError: true,
    };
  }
  if (result.error !== undefined) {
    return { role: 'tool', callId: intent.callId, toolName: intent.toolName, content: { error: result.error }, isError: true };
  }
  if (verdict?.verdict === 'modify' && verdict.replacement !== undefined && 'output' in verdict.replacement) {
    return { role: 'tool', callId: intent.callId, toolName: intent.toolName, content: verdict.replacement.output ?? null };
  }
  return { role: 'tool', callId: intent.callId, toolName: intent.toolName, content: result.output ?? null };
}

export function repairPrompt(error: SerializedError): string {
  return `Your final answer did not match the required output format: ${error.message}\nReply again with only the corrected JSON.`;
}

/** Unsafe calls of the last step that started and have no result: nobody knows if they took effect. */
export function callsWithUnknownOutcome(state: RunState): ToolCallState[] {
  const step = lastAnsweredStep(state);
  if (step === undefined) return [];
  return [...step.toolCalls.values()].filter((call) => call.intent.effect === 'unsafe' && call.result === undefined && call.starts > call.clearedStarts);
}

/** Whether an escalation opened at or after `step` (0: the input) already took care of a verdict there. */
export function escalatedSince(state: RunState, step: number): boolean {
  for (const escalation of state.escalations.values()) if (escalation.afterStep >= step) return true;
  return false;
}
