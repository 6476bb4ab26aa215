import { createHash } from 'node:crypto';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModelV4 } from '@ai-sdk/provider';

/** The providers Keel reaches through the AI SDK; `openai-compatible` has a client of Keel's own (`../chat-completions/`). */
export type AiSdkProviderKind = 'openai' | 'anthropic';

export interface ProviderConnection {
  baseURL: string;
  apiKey: string | undefined;
}

type ModelFactory = (modelId: string) => LanguageModelV4;

/*
 * Provider instances are memoised per connection, so resolving many agents that share settings
 * shares one provider (and its fetch configuration). The key is a hash, so API keys are not kept
 * around as map keys in plain text.
 */
const factories = new Map<string, ModelFactory>();

/**
 * An AI SDK language model for `kind`, from a provider created once per connection settings.
 * `openai` uses the Responses API (the SDK's default).
 *
 * @example
 * const model = aiSdkModel('anthropic', 'claude-haiku-4-5', { baseURL: 'https://api.anthropic.com/v1', apiKey });
 */
export function aiSdkModel(kind: AiSdkProviderKind, modelId: string, connection: ProviderConnection): LanguageModelV4 {
  const key = createHash('sha256')
    .update(JSON.stringify([kind, connection.baseURL, connection.apiKey ?? null]))
    .digest('hex');
  let factory = factories.get(key);
  if (factory === undefined) {
    factory = createFactory(kind, connection);
    factories.set(key, factory);
  }
  return factory(modelId);
}

function createFactory(kind: AiSdkProviderKind, { baseURL, apiKey }: ProviderConnection): ModelFactory {
  switch (kind) {
    case 'openai':
      return createOpenAI({ baseURL, ...(apiKey === undefined ? {} : { apiKey }) });
    case 'anthropic':
      return createAnthropic({ baseURL, ...(apiKey === undefined ? {} : { apiKey }) });
  }
}
