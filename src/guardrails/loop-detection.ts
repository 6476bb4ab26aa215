import { canonicalJson } from '../internal/canonical-json.ts';
import type { SerializedError } from '../errors/index.ts';
import { defineGuardrail, type Guardrail, type GuardrailVerdict, type PastToolCall } from '../sdk/define-guardrail.ts';
import { positiveIntegerOption } from './support/guardrail-options.ts';

export interface LoopDetectionOptions {
  /**
   * Executions of the same call (tool and arguments) with the same result, one after another in
   * the run's history of that call, after which a further identical call is not run: the model
   * is told it already has the answer. Default 3.
   */
  repeatsBeforeHint?: number;
  /** Failures of one tool with the same error, in a row, after which a further call is not run. Default 3. */
  errorStreakBeforeHint?: number;
  /** Rounds of an A-B-A-B… alternation between two calls with unchanging results before the next is not run. Default 3. */
  cycleRoundsBeforeHint?: number;
  /** Hints the model ignores (it makes the refused call again) before the graded response escalates. Default 3. */
  hintsBeforeAction?: number;
  /** What follows ignored hints: end the run (`stop`, the default) or park it for a person (`approval`). */
  action?: 'stop' | 'approval';
}

/**
 * Loop and no-progress detection, on by default for every agent (at the tool-call boundary):
 *
 * - the same call with the same arguments returning the same result again and again;
 * - the same tool failing with the same error in a row;
 * - two calls alternating (A-B-A-B) with results that never change.
 *
 * The response is graded. First a hint: the looping call is not run, and the model is told why
 * (the call's result is an error saying what it already knows), which most models act on. If
 * the model ignores `hintsBeforeAction` hints, the run is stopped (`GUARDRAIL_BLOCKED`) or, with
 * `action: 'approval'`, the next such call waits for a person. With the defaults a call repeated
 * forever runs 3 times, is refused 3 times with a hint, and the run ends at the 7th attempt.
 *
 * @example
 * defineAgent({ ..., guardrails: { toolCall: [loopDetection({ repeatsBeforeHint: 5, action: 'approval' })] } });
 */
export function loopDetection(options: LoopDetectionOptions = {}): Guardrail {
  const name = 'loop-detection';
  const repeats = positiveIntegerOption(name, 'repeatsBeforeHint', options.repeatsBeforeHint) ?? 3;
  const errorStreak = positiveIntegerOption(name, 'errorStreakBeforeHint', options.errorStreakBeforeHint) ?? 3;
  const cycleRounds = positiveIntegerOption(name, 'cycleRoundsBeforeHint', options.cycleRoundsBeforeHint) ?? 3;
  const hints = positiveIntegerOption(name, 'hintsBeforeAction', options.hintsBeforeAction) ?? 3;
  const action = options.action ?? 'stop';
  return defineGuardrail({
    name,
    boundaries: ['tool-call'],
    check(subject): GuardrailVerdict {
      if (subject.boundary !== 'tool-call') return { verdict: 'allow' };
      const signature = signatureOf(subject.call.toolName, subject.call.input);
      const found = detectLoop(subject.history, signature, subject.call.toolName, { repeats, errorStreak, cycleRounds });
      if (found === undefined) return { verdict: 'allow' };
      const ignored = subject.history.filter((past) => past.refusedBy === name && pastSignature(past) === signature).length;
      if (ignored >= hints) {
        const reason = `${found} The model kept making this call after ${ignored} hints.`;
        return action === 'approval' ? { verdict: 'require-approval', reason } : { verdict: 'block', reason, end: true };
      }
      return { verdict: 'block', reason: `${found} This call was not run again: use the result you already have, or try something different.` };
    },
  });
}

/** A call's identity: its tool and its arguments, whatever their key order. */
function signatureOf(toolName: string, input: unknown): string {
  return `${toolName}\u0000${stableJson(input)}`;
}

/**
 * The signature of a call of the history. A run's history holds the same objects on every turn
 * (the fold builds each finished call's entry once), so each signature is built once per run,
 * not once per later call: the check stays a few comparisons per past call.
 */
const pastSignatures = new WeakMap<PastToolCall, string>();

function pastSignature(past: PastToolCall): string {
  let signature = pastSignatures.get(past);
  if (signature === undefined) {
    signature = signatureOf(past.toolName, past.input);
    pastSignatures.set(past, signature);
  }
  return signature;
}

function outcomeOf(past: PastToolCall): string {
  return past.error !== undefined ? `error\u0000${past.error.code}\u0000${past.error.message}` : `output\u0000${stableJson(past.output ?? null)}`;
}

/**
 * Canonical forms of the inputs and outputs already seen. A run's history holds the same
 * journaled objects on every turn, so each is written out once, not once per later call.
 */
const canonicalForms = new WeakMap<object, string>();

function stableJson(value: unknown): string {
  const cacheable = typeof value === 'object' && value !== null;
  if (cacheable) {
    const known = canonicalForms.get(value);
    if (known !== undefined) return known;
  }
  let text: string;
  try {
    text = canonicalJson(value);
  } catch {
    text = JSON.stringify(value) ?? 'null';
  }
  if (cacheable) canonicalForms.set(value, text);
  return text;
}

/**
 * Why the next call with `signature` would be a loop, or `undefined`. Refused calls never count
 * as executions. One pass from the end of the history, allocating only the alternation window:
 * the check runs before every tool call, so it must cost little even late in a long run.
 */
function detectLoop(
  history: readonly PastToolCall[],
  signature: string,
  toolName: string,
  limits: { repeats: number; errorStreak: number; cycleRounds: number },
): string | undefined {
  let sameRuns = 0; // executions of this very call in the whole history
  let sameLast = 0; // of them, the last `repeats` looked at
  let sameOutcome: string | undefined;
  let sameUnchanged = true;
  let toolLast = 0; // the last `errorStreak` executions of this tool
  let toolOutcome: string | undefined;
  let toolFailingAlike = true;
  let firstError: SerializedError | undefined;
  const window: PastToolCall[] = []; // the last 2 × rounds executions, newest first
  for (let index = history.length - 1; index >= 0; index -= 1) {
    const past = history[index]!;
    if (past.refusedBy !== undefined) continue;
    if (pastSignature(past) === signature) {
      sameRuns += 1;
      if (sameLast < limits.repeats) {
        sameLast += 1;
        const outcome = outcomeOf(past);
        sameOutcome ??= outcome;
        if (outcome !== sameOutcome) sameUnchanged = false;
      }
    }
    if (toolLast < limits.errorStreak && past.toolName === toolName) {
      toolLast += 1;
      if (past.error === undefined) {
        toolFailingAlike = false;
      } else {
        const outcome = outcomeOf(past);
        toolOutcome ??= outcome;
        firstError = past.error;
        if (outcome !== toolOutcome) toolFailingAlike = false;
      }
    }
    if (window.length < 2 * limits.cycleRounds) window.push(past);
  }

  // The same call, the same result, the last `repeats` times it ran.
  if (sameLast >= limits.repeats && sameUnchanged) {
    return `The call ${toolName} with these arguments already ran ${sameRuns} times with the same result each time.`;
  }

  // The same tool failing the same way, the last `errorStreak` calls of it in a row.
  if (toolLast >= limits.errorStreak && toolFailingAlike) {
    return `${toolName} failed ${toolLast} times in a row with the same error (${firstError!.code}).`;
  }

  // A-B-A-B…: the last 2 × rounds executions alternate between this call and one other, with unchanging results.
  if (window.length === 2 * limits.cycleRounds) {
    const [a, b] = [pastSignature(window[1]!), pastSignature(window[0]!)];
    if (a === b || a !== signature) return undefined;
    const outcomes = new Map<string, string>();
    for (let index = 0; index < window.length; index += 1) {
      const past = window[index]!;
      const expected = index % 2 === 0 ? b : a;
      if (pastSignature(past) !== expected) return undefined;
      const outcome = outcomeOf(past);
      const seen = outcomes.get(expected);
      if (seen === undefined) outcomes.set(expected, outcome);
      else if (seen !== outcome) return undefined;
    }
    return `The run keeps alternating between the same two calls (${limits.cycleRounds} rounds) with results that do not change.`;
  }
  return undefined;
}
