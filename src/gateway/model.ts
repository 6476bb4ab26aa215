/**
 * Keel's own model interface. The engine speaks only this; vendor SDKs are adapted to it at the
 * edge (`ai-sdk/adapter.ts`), so a provider or SDK upgrade touches one folder.
 */
import type { SerializedError } from '../errors/index.ts';
import type { FinishReason, ModelMessage, ModelToolCall, ModelUsage } from '../journal/messages.ts';

export interface ModelToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the tool's input object. */
  inputSchema: Record<string, unknown>;
}

export interface ModelRequest {
  messages: ModelMessage[];
  tools?: ModelToolSpec[];
  toolChoice?: 'auto' | 'none' | 'required';
  /** Ask for a JSON answer, optionally constrained by a JSON Schema. */
  responseFormat?: { type: 'json'; schema?: Record<string, unknown> };
  maxOutputTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** Who the call is for and what it does: keys the response cache, informs routing, hears of fallbacks. */
  call?: ModelCallContext;
}

/**
 * Context of a model call that is not part of the prompt. Models ignore it; the gateway's
 * wrappers (cache, routing, fallbacks) read it.
 */
export interface ModelCallContext {
  /** Cached responses are shared within a tenant only. Default `default`. */
  tenantId?: string;
  runId?: string;
  /** The run's step number (1-based), for routing policies. */
  step?: number;
  /** What the call is for, for routing: `agent-step` (the default), `summarise`, `classify`, or any name. */
  purpose?: string;
  /** Told each time the gateway gives up on one model and turns to the next of a fallback chain. */
  onFallback?: (event: ModelFallbackEvent) => void;
  /**
   * Lets the gateway start over a stream that failed after it produced text (a retry, or a
   * fallback model): it calls this first, and the caller must then discard the text streamed so
   * far, since the new attempt streams its answer from the beginning. Without it, such a stream
   * fails, because repeating text the caller has already shown would corrupt it.
   */
  onStreamRestart?: (error: SerializedError) => void;
}

/** A switch from one model of a fallback chain to the next, and the error that caused it. */
export interface ModelFallbackEvent {
  from: { provider: string; modelId: string };
  to: { provider: string; modelId: string };
  error: SerializedError;
}

export interface ModelResponse {
  text: string;
  toolCalls: ModelToolCall[];
  finishReason: FinishReason;
  usage: ModelUsage;
  /** The model that actually answered (providers may resolve aliases). */
  modelId: string;
  provider: string;
  /** True when the response cache answered: no provider was called and the usage is zero. */
  cached?: boolean;
}

export type ModelStreamPart = { type: 'text-delta'; text: string } | { type: 'response'; response: ModelResponse };

export interface Model {
  readonly provider: string;
  readonly modelId: string;
  generate(request: ModelRequest): Promise<ModelResponse>;
  /**
   * Streams text deltas and ends with exactly one `response` part holding the complete answer.
   * A stream that ends without it failed: callers must not treat partial text as a response.
   */
  stream?(request: ModelRequest): AsyncIterable<ModelStreamPart>;
}
