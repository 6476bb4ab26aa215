import { canonicalJson } from '../internal/canonical-json.ts';
import { defineGuardrail, type Guardrail, type GuardrailVerdict, type PastToolCall } from '../sdk/define-guardrail.ts';

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
  const repeats = options.repeatsBeforeHint ?? 3;
  const errorStreak = options.errorStreakBeforeHint ?? 3;
  const cycleRounds = options.cycleRoundsBeforeHint ?? 3;
  const hints = options.hintsBeforeAction ?? 3;
  const action = options.action ?? 'stop';
  const name = 'loop-detection';
  return defineGuardrail({
    name,
    boundaries: ['tool-call'],
    check(subject): GuardrailVerdict {
      if (subject.boundary !== 'tool-call') return { verdict: 'allow' };
      const signature = signatureOf(subject.call.toolName, subject.call.input);
      const found = detectLoop(subject.history, signature, subject.call.toolName, { repeats, errorStreak, cycleRounds });
      if (found === undefined) return { verdict: 'allow' };
      const ignored = subject.history.filter((past) => past.refusedBy === name && signatureOf(past.toolName, past.input) === signature).length;
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

/** Why the next call with `signature` would be a loop, or `undefined`. Refused calls never count as executions. */
function detectLoop(
  history: readonly PastToolCall[],
  signature: string,
  toolName: string,
  limits: { repeats: number; errorStreak: number; cycleRounds: number },
): string | undefined {
  const executed = history.filter((past) => past.refusedBy === undefined);

  // The same call, the same result, the last `repeats` times it ran.
  const same = executed.filter((past) => signatureOf(past.toolName, past.input) === signature);
  const lastSame = same.slice(-limits.repeats);
  if (lastSame.length >= limits.repeats && lastSame.every((past) => outcomeOf(past) === outcomeOf(lastSame[0]!))) {
    return `The call ${toolName} with these arguments already ran ${same.length} times with the same result each time.`;
  }

  // The same tool failing the same way, the last `errorStreak` calls of it in a row.
  const ofTool = executed.filter((past) => past.toolName === toolName).slice(-limits.errorStreak);
  if (ofTool.length >= limits.errorStreak && ofTool.every((past) => past.error !== undefined && outcomeOf(past) === outcomeOf(ofTool[0]!))) {
    return `${toolName} failed ${ofTool.length} times in a row with the same error (${ofTool[0]!.error!.code}).`;
  }

  // A-B-A-B…: the last 2 × rounds executions alternate between this call and one other, with unchanging results.
  const window = executed.slice(-2 * limits.cycleRounds);
  if (window.length === 2 * limits.cycleRounds) {
    const signatures = window.map((past) => signatureOf(past.toolName, past.input));
    const [a, b] = [signatures.at(-2)!, signatures.at(-1)!];
    const alternates = a !== b && a === signature && signatures.every((candidate, index) => candidate === (index % 2 === signatures.length % 2 ? a : b));
    const unchanging = alternates && [a, b].every((each) => new Set(window.filter((_, index) => signatures[index] === each).map(outcomeOf)).size === 1);
    if (unchanging) return `The run keeps alternating between the same two calls (${limits.cycleRounds} rounds) with results that do not change.`;
  }
  return undefined;
}
