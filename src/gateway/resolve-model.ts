import { KeelError } from '../errors/index.ts';
import type { ModelReference } from './model-choice.ts';
import type { ProviderSettings } from './provider-settings.ts';
import { fromAiSdk, isAiSdkModel } from './ai-sdk/adapter.ts';
import { aiSdkModel, type AiSdkProviderKind } from './ai-sdk/providers.ts';
import { chatCompletionsModel } from './chat-completions/chat-completions-model.ts';
import type { Model } from './model.ts';

export interface ResolveModelOptions {
  /** `providers` from `keel.config.ts`; they take precedence over the environment. */
  providers?: ProviderSettings;
  /** Where keys and base URLs are read from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

const defaultBaseURLs = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com/v1' };
type ProviderKind = AiSdkProviderKind | 'openai-compatible';

const knownProviders: ProviderKind[] = ['openai', 'anthropic', 'openai-compatible'];

/**
 * Turns whatever an agent names as its model into a Keel `Model`:
 * - a Keel `Model` passes through unchanged;
 * - an AI SDK language model (specification v4 or v3) is adapted with `fromAiSdk`;
 * - `openai:<model>` uses the OpenAI Responses API with `OPENAI_API_KEY` and `OPENAI_BASE_URL`;
 * - `anthropic:<model>` uses `ANTHROPIC_API_KEY` and `ANTHROPIC_BASE_URL`;
 * - `openai-compatible:<model>` uses Chat Completions at `providers.openaiCompatible.baseURL` or
 *   `OPENAI_COMPATIBLE_BASE_URL`, with `OPENAI_COMPATIBLE_API_KEY` if set (local servers need none),
 *   through Keel's own client (`chat-completions/`).
 *
 * Keys are checked here, not at the first call: a missing `OPENAI_API_KEY` or `ANTHROPIC_API_KEY`
 * fails at startup with MODEL_KEY_MISSING naming the variable, instead of in the middle of a run.
 * Malformed strings fail with MODEL_STRING_INVALID, a missing compatible base URL with CONFIG_INVALID.
 *
 * @example
 * const model = resolveModel('anthropic:claude-haiku-4-5', { env: process.env });
 * const answer = await model.generate({ messages: [{ role: 'user', content: 'Hello' }] });
 */
export function resolveModel(reference: ModelReference, options: ResolveModelOptions = {}): Model {
  if (typeof reference === 'string') return resolveModelString(reference, options);
  if (isAiSdkModel(reference)) return fromAiSdk(reference);
  if (typeof reference === 'object' && reference !== null && typeof (reference as Partial<Model>).generate === 'function') {
    return reference as Model;
  }
  throw new KeelError({
    code: 'MODEL_STRING_INVALID',
    message: 'A model must be a "provider:model" string, an AI SDK language model or a Keel Model.',
  });
}

function resolveModelString(reference: string, { providers = {}, env = process.env }: ResolveModelOptions): Model {
  const separator = reference.indexOf(':');
  const prefix = separator === -1 ? '' : reference.slice(0, separator).trim();
  // Only the first colon separates: model ids such as `llama3.1:8b` contain colons themselves.
  const modelId = separator === -1 ? '' : reference.slice(separator + 1).trim();
  if (separator === -1 || !isProviderKind(prefix) || modelId === '') {
    throw new KeelError({ code: 'MODEL_STRING_INVALID', message: explainInvalid(reference, prefix, separator), details: { model: reference } });
  }
  const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());

  if (prefix === 'openai-compatible') {
    const settings = providers.openaiCompatible;
    const baseURL = nonEmpty(settings?.baseURL) ?? nonEmpty(env.OPENAI_COMPATIBLE_BASE_URL);
    if (baseURL === undefined) {
      throw new KeelError({
        code: 'CONFIG_INVALID',
        message: `Model "${reference}" needs a base URL: set providers.openaiCompatible.baseURL in keel.config.ts or OPENAI_COMPATIBLE_BASE_URL.`,
        details: { model: reference },
      });
    }
    const apiKey = nonEmpty(settings?.apiKey) ?? nonEmpty(env.OPENAI_COMPATIBLE_API_KEY);
    return chatCompletionsModel(modelId, { baseURL, apiKey, name: settings?.name });
  }

  const settings = providers[prefix];
  const variable = prefix === 'openai' ? 'OPENAI' : 'ANTHROPIC';
  const apiKey = nonEmpty(settings?.apiKey) ?? nonEmpty(env[`${variable}_API_KEY`]);
  if (apiKey === undefined) {
    throw new KeelError({
      code: 'MODEL_KEY_MISSING',
      message: `Model "${reference}" needs an API key: set ${variable}_API_KEY (or providers.${prefix}.apiKey in keel.config.ts).`,
      details: { model: reference, envVar: `${variable}_API_KEY` },
    });
  }
  const baseURL = nonEmpty(settings?.baseURL) ?? nonEmpty(env[`${variable}_BASE_URL`]) ?? defaultBaseURLs[prefix];
  return fromAiSdk(aiSdkModel(prefix, modelId, { baseURL, apiKey }));
}

function isProviderKind(value: string): value is ProviderKind {
  return (knownProviders as string[]).includes(value);
}

function explainInvalid(reference: string, prefix: string, separator: number): string {
  const forms = 'openai:<model>, anthropic:<model> or openai-compatible:<model>';
  if (reference.trim() === '') return `The model string is empty. Use ${forms}.`;
  if (separator === -1) {
    const guess = /^claude/i.test(reference) ? 'anthropic' : /^(gpt|o\d|chatgpt)/i.test(reference) ? 'openai' : undefined;
    return `Model "${reference}" has no provider prefix. ${guess === undefined ? `Use ${forms}` : `Did you mean "${guess}:${reference}"?`}`;
  }
  if (!isProviderKind(prefix)) return `Model "${reference}" names an unknown provider "${prefix}". Use ${forms}, or pass an AI SDK model.`;
  return `Model "${reference}" has no model id after "${prefix}:". Use ${forms}.`;
}
