import type { GuardrailSubject, GuardrailVerdict } from '../../sdk/define-guardrail.ts';
import { currentValue } from './guarded-values.ts';

/**
 * A `flag` action's verdict: the finding is journaled and nothing changes. The contract has no
 * verdict for "seen, let through", and an `allow` is never journaled, so a flag is a `modify`
 * whose replacement is the value exactly as it reached the guardrail (see `currentValue` for
 * why it must be the whole value) and whose `changes` carry `flagged: true`; its reason starts
 * with "Flagged".
 *
 * @example
 * return flagVerdict(subject, 'the answer holds 2 e-mail addresses', { email: 2 });
 */
export function flagVerdict(subject: GuardrailSubject, finding: string, changes: Record<string, unknown> = {}): GuardrailVerdict {
  return { verdict: 'modify', reason: `Flagged, passed on unchanged: ${finding}.`, replacement: currentValue(subject), changes: { flagged: true, ...changes } };
}
