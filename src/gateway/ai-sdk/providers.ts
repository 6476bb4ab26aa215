import { createHash } from 'node:crypto';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';

export type ProviderKind = 'openai' | 'anthropic' | 'openai-compatible';

export interface ProviderConnection {
  baseURL: string;
  apiKey: string | undefined;
  /** Provider name, for `openai-compatible` (shows up as `<name>.chat`). */
  name?: string;
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
 * `openai` uses the Responses API (the SDK's default); `openai-compatible` uses Chat Completions
 * and asks for usage in streams.
 *
 * @example
 * const model = aiSdkModel('anthropic', 'claude-haiku-4-5', { baseURL: 'https://api.anthropic.com/v1', apiKey });
 */
export function aiSdkModel(kind: ProviderKind, modelId: string, connection: ProviderConnection): LanguageModelV4 {
  const key = createHash('sha256')
    .update(JSON.stringify([kind, connection.baseURL, connection.apiKey ?? null, connection.name ?? null]))
    .digest('hex');
  let factory = factories.get(key);
  if (factory === undefined) {
    factory = createFactory(kind, connection);
    factories.set(key, factory);
  }
  return factory(modelId);
}

function createFactory(kind: ProviderKind, { baseURL, apiKey, name }: ProviderConnection): ModelFactory {
  switch (kind) {
    case 'openai':
      return createOpenAI({ baseURL, ...(apiKey === undefined ? {} : { apiKey }) });
    case 'anthropic':
      return createAnthropic({ baseURL, ...(apiKey === undefined ? {} : { apiKey }) });
    case 'openai-compatible':
      return createOpenAICompatible({ baseURL, name: name ?? 'openai-compatible', includeUsage: true, ...(apiKey === undefined ? {} : { apiKey }) });
  }
}
