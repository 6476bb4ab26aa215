import type { Guardrail } from '../sdk/define-guardrail.ts';
import { findSecrets } from './detectors/secrets/find-secrets.ts';
import { choiceOption, counted, listed, refusalOption } from './support/guardrail-options.ts';
import { redactionGuardrail } from './support/redaction-guardrail.ts';

export interface SecretsGuardrailOptions {
  /**
   * `redact` (the default): each credential is replaced by `[SECRET]`. `block`: the value is
   * refused (at `input` and `output` the run ends with `refusal`; a tool result is withheld).
   */
  action?: 'redact' | 'block';
  /** What the user is told when `block` ends the run. */
  refusal?: string;
}

const name = 'secrets';

/**
 * Credential leaks at `input`, `model-output`, `tool-result` and `output`: API keys and tokens of
 * about 75 providers, private key blocks, passwords in assignments, headers, curl commands and
 * connection URLs (`findSecrets`). Streamed text is redacted as it streams. The journal learns
 * only the kinds and counts (`changes: { 'github-token': 1 }`): never a secret, nor any part of one.
 *
 * @example
 * defineConfig({ agents, guardrails: { toolResult: [secrets()], output: [secrets({ action: 'block' })] } });
 */
export function secrets(options: SecretsGuardrailOptions = {}): Guardrail {
  const action = choiceOption(name, 'action', options.action, ['redact', 'block']);
  return redactionGuardrail({
    name,
    action,
    find: findSecrets,
    marker: () => '[SECRET]',
    describe: (counts) => {
      const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
      return `${counted(total, 'credential')} (${listed([...counts.keys()])})`;
    },
    refusal: refusalOption(name, options.refusal) ?? 'I can’t share that: it contains a credential.',
  });
}
