/**
 * The conversation's vocabulary: messages, tool calls as a model made them, token usage. Shared
 * by the journal (which records them), the gateway (which sends and receives them) and the store
 * (which keeps a session's history), so it sits below all three.
 */

export type ModelMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ModelToolCall[] }
  | { role: 'tool'; callId: string; toolName: string; content: unknown; isError?: boolean };

/** A tool call as the model produced it. `arguments` is the raw JSON text: it may be malformed. */
export interface ModelToolCall {
  callId: string;
  toolName: string;
  arguments: string;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (a subset of inputTokens). */
  cachedTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other';

export const emptyUsage: ModelUsage = Object.freeze({ inputTokens: 0, outputTokens: 0, cachedTokens: 0 });

export function addUsage(a: ModelUsage, b: ModelUsage): ModelUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
  };
}
