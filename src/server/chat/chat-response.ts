import type { ModelUsage } from '../../journal/messages.ts';

/** The fields every chunk and completion of one request share. */
export interface ChatIdentity {
  id: string;
  created: number;
  model: string;
}

export function openAiUsage(usage: ModelUsage): Record<string, unknown> {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
  };
}

/** A `chat.completion.chunk`, as OpenAI streams it. */
export function chatChunk(identity: ChatIdentity, delta: Record<string, unknown>, finishReason: string | null, usage?: null): Record<string, unknown> {
  return {
    ...identity,
    object: 'chat.completion.chunk',
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(usage === null ? { usage: null } : {}),
  };
}

/** The last chunk when `stream_options.include_usage` is set: no choices, the run's usage. */
export function usageChunk(identity: ChatIdentity, usage: ModelUsage): Record<string, unknown> {
  return { ...identity, object: 'chat.completion.chunk', system_fingerprint: null, choices: [], usage: openAiUsage(usage) };
}

/** A whole `chat.completion`. */
export function chatCompletion(identity: ChatIdentity, content: string, finishReason: string, usage: ModelUsage): Record<string, unknown> {
  return {
    ...identity,
    object: 'chat.completion',
    system_fingerprint: null,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage: openAiUsage(usage),
  };
}
