import type { JournalEvent } from '../journal/events.ts';
import type { PastToolCall } from '../sdk/define-guardrail.ts';
import type { RunState, StepState, ToolCallState } from './fold.ts';
import { pastCallChanges } from './step-changes.ts';

type EventOf<T extends JournalEvent['type']> = Extract<JournalEvent, { type: T }>;

/** Every tool call of the run so far with its outcome, oldest first, for checks that look at the history. */
export function pastToolCalls(state: RunState): PastToolCall[] {
  // The calls of every step but the last, as listed before, while none of those steps changed.
  const built = builtPastCalls.get(state);
  const lowestChanged = pastCallChanges.take(state);
  const reuse = built !== undefined && built.steps <= state.steps.length && built.highestStep < lowestChanged;
  const past: PastToolCall[] = reuse ? [...built.past] : [];
  const from = reuse ? built.steps : 0;
  const keep = Math.max(0, state.steps.length - 1);
  let kept: PastToolCall[] | undefined = from === keep ? past.slice() : undefined;
  let highestStep = reuse ? built.highestStep : 0;
  for (let index = from; index < state.steps.length; index += 1) {
    const step = state.steps[index] as StepState;
    for (const call of step.toolCalls.values()) {
      const entry = pastToolCall(step.step, call);
      if (entry !== undefined) past.push(entry);
    }
    if (index < keep) highestStep = Math.max(highestStep, step.step);
    if (index + 1 === keep) kept = past.slice();
  }
  builtPastCalls.set(state, { steps: keep, highestStep, past: kept ?? past.slice() });
  return past;
}

/**
 * A run's past calls over its first `steps` steps (all but the last when they were listed), as
 * `pastToolCalls` listed them: checks look at the history on every turn. Valid while no event
 * named a step up to `highestStep`, the highest step number among them.
 */
const builtPastCalls = new WeakMap<RunState, { steps: number; highestStep: number; past: PastToolCall[] }>();

/** Each finished call's entry, built once per (result, verdicts): the same objects on every turn. */
const builtCalls = new WeakMap<ToolCallState, { result: EventOf<'tool-result'>; decisions: number; past: PastToolCall }>();

function pastToolCall(step: number, call: ToolCallState): PastToolCall | undefined {
  const result = call.result;
  if (result === undefined) return undefined;
  const built = builtCalls.get(call);
  if (built?.result === result && built.decisions === call.decisions.length) return built.past;
  const refusal = call.decisions.find((decision) => decision.boundary === 'tool-call' && decision.verdict === 'block');
  // Frozen: every later check of the run is handed this same object, so one guardrail editing
  // its history must not change what the next one (or a handoff's list of tried calls) sees.
  const past: PastToolCall = Object.freeze({
    step,
    callId: call.intent.callId,
    toolName: call.intent.toolName,
    input: call.intent.input,
    ...(result.error === undefined ? { output: result.output } : { error: result.error }),
    ...(refusal === undefined ? {} : { refusedBy: refusal.guardrail }),
  });
  builtCalls.set(call, { result, decisions: call.decisions.length, past });
  return past;
}
