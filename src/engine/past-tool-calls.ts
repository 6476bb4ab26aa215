import type { JournalEvent } from '../journal/events.ts';
import type { PastToolCall } from '../sdk/define-guardrail.ts';
import type { RunState, StepState, ToolCallState } from './fold.ts';
import { KeptOverSteps } from './step-changes.ts';

type EventOf<T extends JournalEvent['type']> = Extract<JournalEvent, { type: T }>;

/** Every tool call of the run so far with its outcome, oldest first, for checks that look at the history. */
export function pastToolCalls(state: RunState): PastToolCall[] {
  return pastCalls.build(
    state,
    '',
    () => [],
    (index, past) => {
      const step = state.steps[index] as StepState;
      for (const call of step.toolCalls.values()) {
        const entry = pastToolCall(step.step, call);
        if (entry !== undefined) past.push(entry);
      }
    },
  );
}

/** Each run's past calls, kept over all but its last step between calls. */
const pastCalls = new KeptOverSteps<PastToolCall>();

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
