import { performance } from 'node:perf_hooks';
import { KeelError } from '../errors/index.ts';
import type { GuardrailBoundary, GuardrailReplacement, JournalEvent } from '../journal/events.ts';
import type { AgentGuardrails, Guardrail, GuardrailContext, GuardrailSubject, GuardrailVerdict } from '../sdk/define-guardrail.ts';
import { boundaryOptionNames } from '../sdk/define-guardrail.ts';

export type GuardrailDecision = Extract<JournalEvent, { type: 'guardrail-decision' }>;

/** A verdict that stops what was checked: the value is refused, or waits for a person. */
export interface StoppingVerdict {
  verdict: 'block' | 'escalate' | 'require-approval';
  guardrail: string;
  reason: string;
  refusal?: string;
  end: boolean;
}

/** What the guardrails of one boundary decided about one value. */
export interface BoundaryOutcome {
  /** The verdicts to journal (every one but a silent allow), in the order they were given. */
  decisions: GuardrailDecision[];
  /** The value as the `modify` verdicts left it (each guardrail sees the previous one's result). */
  replacement: GuardrailReplacement | undefined;
  /** The first verdict that stopped the chain, if any. */
  stop: StoppingVerdict | undefined;
}

/**
 * Runs the guardrails of a boundary in order over one value. A `modify` hands the changed value
 * to the next guardrail; `block`, `escalate` and `require-approval` stop the chain. A guardrail
 * that throws fails the run (`GUARDRAIL_FAILED`) rather than letting the value through unchecked.
 *
 * @example
 * const outcome = await runGuardrails(guardrails, { boundary: 'input', text }, context, { });
 */
export async function runGuardrails(
  guardrails: readonly Guardrail[],
  subject: GuardrailSubject,
  context: GuardrailContext,
  place: { step?: number; callId?: string },
): Promise<BoundaryOutcome> {
  const decisions: GuardrailDecision[] = [];
  let current = subject;
  let replacement: GuardrailReplacement | undefined;
  for (const guardrail of guardrails) {
    const started = performance.now();
    let verdict: GuardrailVerdict;
    try {
      verdict = await guardrail.check(current, context);
    } catch (error) {
      if (context.signal.aborted) throw error;
      throw new KeelError({
        code: 'GUARDRAIL_FAILED',
        message: `Guardrail "${guardrail.name}" failed at the ${subject.boundary} boundary: ${error instanceof Error ? error.message : String(error)}`,
        details: { guardrail: guardrail.name, boundary: subject.boundary },
        cause: error,
      });
    }
    if (verdict.verdict === 'allow') continue;
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
    const decision: GuardrailDecision = {
      type: 'guardrail-decision',
      boundary: subject.boundary,
      guardrail: guardrail.name,
      verdict: verdict.verdict,
      reason: verdict.reason,
      ...(place.step === undefined ? {} : { step: place.step }),
      ...(place.callId === undefined ? {} : { callId: place.callId }),
      latencyMs,
      ...(verdict.verdict === 'modify' && verdict.changes !== undefined ? { changes: verdict.changes } : {}),
      ...(verdict.verdict === 'modify' ? { replacement: verdict.replacement } : {}),
      ...(verdict.verdict === 'block' && verdict.end === true ? { end: true } : {}),
      ...(verdict.verdict === 'block' && verdict.refusal !== undefined ? { refusal: verdict.refusal } : {}),
    };
    decisions.push(decision);
    if (verdict.verdict === 'modify') {
      replacement = { ...replacement, ...verdict.replacement };
      current = applyReplacement(current, verdict.replacement);
      continue;
    }
    const stop: StoppingVerdict = {
      verdict: verdict.verdict,
      guardrail: guardrail.name,
      reason: verdict.reason,
      end: verdict.verdict === 'block' && verdict.end === true,
      ...(verdict.verdict === 'block' && verdict.refusal !== undefined ? { refusal: verdict.refusal } : {}),
    };
    return { decisions: withoutOverriddenReplacements(decisions), replacement, stop };
  }
  return { decisions: withoutOverriddenReplacements(decisions), replacement, stop: undefined };
}

/**
 * A chain's journaled `modify` verdicts keep only the replacement fields no later verdict of the
 * chain replaces: with `[pii(), secrets()]`, the first verdict's text still holds the credential
 * the second removes, and that text must not reach the journal. The last verdict's fields are
 * what the model sees, as the fold reads them.
 */
function withoutOverriddenReplacements(decisions: GuardrailDecision[]): GuardrailDecision[] {
  const later = new Set<string>();
  const kept: GuardrailDecision[] = [];
  for (let index = decisions.length - 1; index >= 0; index -= 1) {
    const decision = decisions[index]!;
    if (decision.verdict !== 'modify' || decision.replacement === undefined) {
      kept.unshift(decision);
      continue;
    }
    const replacement = Object.fromEntries(Object.entries(decision.replacement).filter(([field]) => !later.has(field)));
    for (const field of Object.keys(decision.replacement)) later.add(field);
    const { replacement: _all, ...rest } = decision;
    kept.unshift(Object.keys(replacement).length > 0 ? { ...rest, replacement } : rest);
  }
  return kept;
}

/**
 * What journaled verdicts decided, for a run resumed after they were committed: the same
 * outcome as when they were given, without asking the guardrails again.
 */
export function journaledOutcome(decisions: readonly GuardrailDecision[]): Omit<BoundaryOutcome, 'decisions'> {
  let replacement: GuardrailReplacement | undefined;
  for (const decision of decisions) {
    if (decision.verdict === 'modify') {
      replacement = { ...replacement, ...decision.replacement };
      continue;
    }
    return {
      replacement,
      stop: {
        verdict: decision.verdict,
        guardrail: decision.guardrail,
        reason: decision.reason,
        end: decision.end === true,
        ...(decision.refusal === undefined ? {} : { refusal: decision.refusal }),
      },
    };
  }
  return { replacement, stop: undefined };
}

/** The guardrails an agent runs at a boundary (the config's defaults come first, merged by `defineConfig`). */
export function guardrailsAt(guardrails: AgentGuardrails, boundary: GuardrailBoundary): readonly Guardrail[] {
  return guardrails[boundaryOptionNames[boundary]] ?? [];
}

function applyReplacement(subject: GuardrailSubject, replacement: GuardrailReplacement): GuardrailSubject {
  switch (subject.boundary) {
    case 'input':
    case 'model-output':
      return replacement.text === undefined ? subject : { ...subject, text: replacement.text };
    case 'output':
      return {
        ...subject,
        ...(replacement.text === undefined ? {} : { text: replacement.text }),
        ...('output' in replacement ? { output: replacement.output } : replacement.text === undefined ? {} : { output: replacement.text }),
      };
    case 'tool-call':
      return 'args' in replacement ? { ...subject, call: { ...subject.call, input: replacement.args } } : subject;
    case 'tool-result':
      return 'output' in replacement ? { ...subject, output: replacement.output } : subject;
  }
}
