import { KeelError, type SerializedError } from '../errors/index.ts';
import { addUsage, emptyUsage, type ModelMessage, type ModelUsage } from '../journal/messages.ts';
import type { JournalEntry, JournalEvent, WaitingReason } from '../journal/events.ts';

type EventOf<T extends JournalEvent['type']> = Extract<JournalEvent, { type: T }>;

/** One tool call of a step, as far as the journal knows it. */
export interface ToolCallState {
  intent: EventOf<'tool-call'>;
  /** Start markers written for this call (one per execution attempt). */
  starts: number;
  /** Starts a person has declared to have had no effect: only later ones leave the outcome unknown. */
  clearedStarts: number;
  result: EventOf<'tool-result'> | undefined;
}

export interface StepState {
  step: number;
  /** Model calls started for this step. */
  attempts: number;
  response: EventOf<'model-response'> | undefined;
  /** Keyed by call id; insertion order is the model's order. */
  toolCalls: Map<string, ToolCallState>;
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
  switch (event.type) {
    case 'run-start':
    case 'text-delta':
      return;
    case 'step-start': {
      const current = state.steps.at(-1);
      if (current?.step === event.step) current.attempts = event.attempt;
      else state.steps.push({ step: event.step, attempts: event.attempt, response: undefined, toolCalls: new Map() });
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
      stepOf(state, event.step).toolCalls.set(event.callId, { intent: event, starts: 0, clearedStarts: 0, result: undefined });
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
  }
}

function stepOf(state: RunState, step: number): StepState {
  const found = state.steps.find((candidate) => candidate.step === step);
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

/** The conversation this run has produced so far, in model order: input, turns, tool results, repair requests. */
export function runMessages(state: RunState): ModelMessage[] {
  const messages: ModelMessage[] = [{ role: 'user', content: state.start.input }];
  for (const step of state.steps) {
    const response = step.response;
    if (response === undefined) continue;
    messages.push({
      role: 'assistant',
      content: response.text,
      ...(response.toolCalls.length > 0 ? { toolCalls: response.toolCalls } : {}),
    });
    for (const call of step.toolCalls.values()) {
      if (call.result === undefined) continue;
      messages.push(toolMessage(call.intent, call.result));
    }
    const rejection = state.outputRejections.find((candidate) => candidate.step === step.step);
    if (rejection !== undefined) messages.push({ role: 'user', content: repairPrompt(rejection.error) });
  }
  return messages;
}

function toolMessage(intent: EventOf<'tool-call'>, result: EventOf<'tool-result'>): ModelMessage {
  if (result.error !== undefined) {
    return { role: 'tool', callId: intent.callId, toolName: intent.toolName, content: { error: result.error }, isError: true };
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
