/** The wire protocols the fake server speaks, one per endpoint. */
export type FakeProtocol = 'openai-chat' | 'openai-responses' | 'anthropic-messages';

/** Token counts a scripted turn reports. `cachedTokens` is a subset of `inputTokens`. */
export interface FakeUsage {
  inputTokens?: number;
  outputTokens?: number;
  cachedTokens?: number;
}

export interface FakeToolCall {
  name: string;
  /** An object is sent as JSON; a string is sent verbatim (so it may be broken JSON). */
  arguments: Record<string, unknown> | string;
  /** Defaults to a generated id (`call_…` for OpenAI, `toolu_…` for Anthropic). */
  id?: string;
}

interface TurnTiming {
  /** Wait this long before answering at all (headers included). */
  delayMs?: number;
}

/** A successful answer: text, tool calls (several means parallel calls), or both. */
export interface FakeReplyTurn extends TurnTiming {
  text?: string;
  toolCalls?: FakeToolCall[];
  /** Omitted counts are estimated from the request and the reply (about four characters a token). */
  usage?: FakeUsage;
  /** Pause between streamed events. */
  chunkDelayMs?: number;
  /** Stream the text in pieces of this many characters instead of word by word (3: a value split across many deltas). */
  deltaSize?: number;
}

/**
 * A scripted failure, answered in the protocol's own error format:
 * - `rate-limit`: 429 with `Retry-After` (and `retry-after-ms` on OpenAI endpoints).
 * - `server-error`: 5xx (default 500; 529 is Anthropic's "overloaded").
 * - `bad-request`: 400 `invalid_request_error`.
 * - `hang`: never answers, until the client aborts or the server closes.
 * - `html`: 200 with a `text/html` error page, as a misconfigured proxy would send.
 * - `empty`: 200 with an empty body (no JSON, no events), as a proxy that dropped it would send.
 * - `context-length`: 400 saying the prompt is longer than the model's context window, in the
 *   provider's own words (`context_length_exceeded` on OpenAI, "prompt is too long" on Anthropic).
 * - `content-policy`: 400 saying the request was refused by the provider's safety system
 *   (`content_policy_violation` on OpenAI, "Output blocked by content filtering policy" on Anthropic).
 * - `malformed-tool-call`: a tool call whose arguments are broken JSON (the first offered tool's
 *   name unless `name` is given). The Anthropic Messages API carries tool input as a JSON value,
 *   so without streaming the broken text arrives there as a JSON string, not an object.
 * - `cut-stream`: sends `afterChunks` events of a normal streamed answer (default 2), then
 *   destroys the socket; without streaming it sends half of the JSON body and does the same.
 *   With `endCleanly` the response ends properly instead, as a proxy dropping the rest would.
 */
export type FakeFaultTurn = TurnTiming &
  (
    | { fault: 'rate-limit'; retryAfterSeconds?: number }
    | { fault: 'server-error'; status?: number; message?: string }
    | { fault: 'bad-request'; message?: string }
    | { fault: 'hang' }
    | { fault: 'html' }
    | { fault: 'empty' }
    | { fault: 'context-length' }
    | { fault: 'content-policy' }
    | { fault: 'malformed-tool-call'; name?: string; arguments?: string }
    | { fault: 'cut-stream'; afterChunks?: number; text?: string; endCleanly?: boolean }
  );

export type FakeTurn = FakeReplyTurn | FakeFaultTurn;

/** A message of the request, flattened to the same shape whatever the protocol. */
export interface FakeMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
  /** For `tool` messages: the call this result answers. */
  toolCallId?: string;
  isError?: boolean;
}

export interface FakeToolSpec {
  name: string;
  description?: string;
  inputSchema: unknown;
}

/** One request the server received, parsed. Responders receive the same object. */
export interface FakeModelRequest {
  protocol: FakeProtocol;
  path: string;
  model: string;
  messages: FakeMessage[];
  tools: FakeToolSpec[];
  stream: boolean;
  /** The JSON body exactly as sent. */
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/** Decides the answer when no scripted turn is queued. */
export type FakeResponder = (request: FakeModelRequest) => FakeTurn | Promise<FakeTurn>;

export interface FakeModelServerOptions {
  /** Fallback when the queue is empty. Default: a 500 error saying no turn was scripted. */
  responder?: FakeResponder;
  /** When set, requests must carry this key (`Authorization: Bearer` or `x-api-key`) or get a 401. */
  apiKey?: string;
  /**
   * The port to listen on (on 127.0.0.1). Default: a free one, read back from `url`. A fixed port
   * lets a separate process (`keel dev` with `OPENAI_BASE_URL`) be pointed at the server.
   */
  port?: number;
}

export interface FakeModelServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `url + '/v1'`, for `createOpenAI({ baseURL })` and `createOpenAICompatible({ baseURL })`. */
  readonly openaiBaseURL: string;
  /** `url + '/v1'`, for `createAnthropic({ baseURL })`. */
  readonly anthropicBaseURL: string;
  /** Every request received, in order. */
  readonly requests: readonly FakeModelRequest[];
  /** Turns not yet consumed. */
  readonly pendingTurns: number;
  /** Queues answers; each request consumes the oldest. */
  enqueue(...turns: FakeTurn[]): void;
  setResponder(responder: FakeResponder): void;
  /** Stops listening and destroys every open socket, hanging requests included. */
  close(): Promise<void>;
}
