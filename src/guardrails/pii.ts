import type { Guardrail } from '../sdk/define-guardrail.ts';
import { findPii, type FindPiiOptions } from './detectors/pii/find-pii.ts';
import { piiMarkers, piiTypes, type PiiType } from './detectors/pii/pii-types.ts';
import { choiceOption, counted, invalidOption, listed, refusalOption } from './support/guardrail-options.ts';
import { redactionGuardrail } from './support/redaction-guardrail.ts';

export interface PiiGuardrailOptions {
  /** The kinds to look for (default: all of `piiTypes`). */
  types?: readonly PiiType[];
  /**
   * `redact` (the default): each value is replaced by its kind's marker (`[EMAIL]`, `[PHONE]`,
   * `[CREDIT_CARD]`, …) and the run goes on with the redacted text. `block`: the value is refused
   * (at `input` and `output` the run ends with `refusal`; a tool result is withheld from the
   * model). `flag`: nothing changes and the finding is journaled.
   */
  action?: 'redact' | 'block' | 'flag';
  /** Regions tried for phone numbers written without a country code (see `findPii`). */
  phoneRegions?: FindPiiOptions['phoneRegions'];
  /** What the user is told when `block` ends the run. */
  refusal?: string;
}

const name = 'pii';
const words: Record<PiiType, [string, string]> = {
  email: ['e-mail address', 'e-mail addresses'],
  phone: ['phone number', 'phone numbers'],
  'credit-card': ['payment card number', 'payment card numbers'],
  iban: ['IBAN', 'IBANs'],
  'us-ssn': ['US social security number', 'US social security numbers'],
  'ip-address': ['IP address', 'IP addresses'],
};

/**
 * Personal data at `input`, `model-output`, `tool-result` and `output`: e-mail addresses, phone
 * numbers, payment cards (Luhn and issuer ranges), IBANs (checksum), US SSNs and IP addresses,
 * each validated by `findPii`. Text streamed to clients is redacted as it streams
 * (`streamRedaction`), for `redact` and `block`. `changes` and reasons count values by kind and
 * never hold one.
 *
 * @example
 * defineAgent({ ..., guardrails: { output: [pii({ action: 'redact' })], toolResult: [pii({ types: ['credit-card', 'iban'] })] } });
 */
export function pii(options: PiiGuardrailOptions = {}): Guardrail {
  const action = choiceOption(name, 'action', options.action, ['redact', 'block', 'flag']);
  const types = options.types ?? piiTypes;
  if (!Array.isArray(types) || types.length === 0 || !types.every((type) => piiTypes.includes(type))) {
    throw invalidOption(name, `types must list some of ${piiTypes.join(', ')}`);
  }
  const findOptions: FindPiiOptions = { types, ...(options.phoneRegions === undefined ? {} : { phoneRegions: options.phoneRegions }) };
  return redactionGuardrail({
    name,
    action,
    find: (text) => findPii(text, findOptions),
    marker: (type) => piiMarkers[type as PiiType],
    describe: (counts) => listed([...counts].map(([type, count]) => counted(count, ...(words[type as PiiType] ?? [type, type])))),
    refusal: refusalOption(name, options.refusal) ?? 'I can’t share that: it contains personal data.',
  });
}
