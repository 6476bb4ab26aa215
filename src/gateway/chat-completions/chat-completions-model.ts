import { randomUUID } from 'node:crypto';
import { APICallError, InvalidResponseDataError } from '@ai-sdk/provider';
import { createParser, type ParseError } from 'eventsource-parser';
import { KeelError } from '../../errors/index.ts';
import type { FinishReason, ModelToolCall, ModelUsage } from '../../journal/messages.ts';
import { toModelError } from '../ai-sdk/map-error.ts';
import type { Model, ModelRequest, ModelResponse, ModelStreamPart } from '../model.ts';
import { encodeRequest } from './encode-request.ts';

export interface ChatCompletionsConnection {
  /** The API root, such as `http://localhost:11434/v1`; requests go to `<baseURL>/chat/completions`. */
  baseURL: string;
  /** Sent as a bearer token when set (local servers usually need none). */
  apiKey?: string | undefined;
  /** The provider's name, which prices and logs key on. Default `openai-compatible`. */
  name?: string | undefined;
}

/** Larger than any one streamed chunk a server sends; a stream that exceeds it is not a chat stream. */
const maxEventBytes = 8 * 1024 * 1024;

/**
 * A model behind any server that speaks OpenAI's Chat Completions protocol (vLLM, Ollama,
 * LM Studio, llama.cpp, LiteLLM and hosted gateways), spoken directly: the request body is encoded
 * incrementally (see `encode-request.ts`) and the event stream read as it arrives, so a turn costs
 * little beyond the HTTP exchange itself however long the conversation grows.
 *
 * Errors come out as KeelErrors, mapped exactly as for AI SDK providers (`MODEL_RATE_LIMITED`
 * with its Retry-After, `MODEL_UNAVAILABLE`, `MODEL_CONTEXT_TOO_LONG`, ...). A stream that fails,
 * or ends without a finish reason, throws and never yields a `response` part.
 *
 * @example
 * const model = chatCompletionsModel('llama3.1:8b', { baseURL: 'http://localhost:11434/v1' });
 * const answer = await model.generate({ messages: [{ role: 'user', content: 'Hello' }] });
 */
export function chatCompletionsModel(modelId: string, connection: ChatCompletionsConnection): Model {
  const provider = connection.name ?? 'openai-compatible';
  // Error details name the API as well as the provider, as they do for AI SDK providers.
  const context = { provider: `${provider}.chat`, modelId };
  const url = `${connection.baseURL.replace(/\/+$/, '')}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (connection.apiKey !== undefined) headers.authorization = `Bearer ${connection.apiKey}`;
  const fail = (error: unknown, request: ModelRequest) => toModelError(error, request.signal === undefined ? context : { ...context, signal: request.signal });

  async function post(request: ModelRequest, stream: boolean): Promise<Response> {
    let response: Response;
    try {
      const body = encodeRequest(modelId, request, stream);
      response = await fetch(url, { method: 'POST', headers, body, ...(request.signal === undefined ? {} : { signal: request.signal }) });
    } catch (error) {
      throw fail(request.signal?.aborted === true ? error : connectionFailed(url, error), request);
    }
    if (!response.ok) throw fail(await failedResponse(url, response), request);
    return response;
  }

  return {
    provider,
    modelId,

    async generate(request) {
      const response = await post(request, false);
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw fail(request.signal?.aborted === true ? error : connectionFailed(url, error), request);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw fail(
          new APICallError({ message: 'Invalid JSON response', url, requestBodyValues: {}, statusCode: response.status, responseBody: text }),
          request,
        );
      }
      try {
        return completion(body, { provider, modelId });
      } catch (error) {
        throw fail(error, request);
      }
    },

    async *stream(request) {
      const response = await post(request, true);
      // A proxy's error page served with 200 would otherwise read as an empty event stream.
      const contentType = response.headers.get('content-type') ?? '';
      if (contentType.startsWith('text/html') || response.body === null) {
        await response.body?.cancel().catch(() => undefined);
        throw new KeelError({
          code: 'MODEL_RESPONSE_INVALID',
          message: `${context.provider} model "${modelId}": expected an event stream, got ${contentType === '' ? 'no body' : contentType}`,
          details: context,
        });
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const chunks = new ChunkReader(modelId);
      const parser = createParser({
        maxBufferSize: maxEventBytes,
        onEvent: (event) => chunks.push(event.data),
        // Thrown out of `feed`, below. Other parse errors (an unknown field) are harmless.
        onError: (error: ParseError) => {
          if (error.type === 'max-buffer-size-exceeded') throw new InvalidResponseDataError({ data: undefined, message: error.message });
        },
      });
      // Read to the end of the body even after `[DONE]`: a body left unread would cost the
      // keep-alive connection, and cancelling one already read costs an abort.
      let ended = false;
      try {
        for (;;) {
          let next: Awaited<ReturnType<typeof reader.read>>;
          try {
            next = await reader.read();
          } catch (error) {
            throw request.signal?.aborted === true ? error : connectionFailed(url, error);
          }
          if (next.done) break;
          parser.feed(decoder.decode(next.value, { stream: true }));
          for (const text of chunks.takeText()) yield { type: 'text-delta', text } satisfies ModelStreamPart;
        }
        ended = true;
        parser.feed(decoder.decode());
        for (const text of chunks.takeText()) yield { type: 'text-delta', text } satisfies ModelStreamPart;
      } catch (error) {
        throw fail(error, request);
      } finally {
        // Stops the HTTP response when the consumer or an error ends the loop early.
        if (!ended) reader.cancel().catch(() => undefined);
      }
      let answer: ModelResponse;
      try {
        answer = chunks.response(provider);
      } catch (error) {
        throw fail(error, request);
      }
      yield { type: 'response', response: answer } satisfies ModelStreamPart;
    },
  };
}

/** What the chunks of one streamed answer add up to, as they arrive. */
class ChunkReader {
  private done = false;
  private text = '';
  private pendingText: string[] = [];
  /** Calls in the order they first appeared, and the latest call seen at each index and with each id. */
  private readonly calls: StreamedCall[] = [];
  private readonly callAtIndex = new Map<number, StreamedCall>();
  private readonly callWithId = new Map<string, StreamedCall>();
  private finishReason: string | undefined;
  private refused = false;
  private usage: ModelUsage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
  private answeredBy: string | undefined;
  private readonly modelId: string;

  constructor(modelId: string) {
    this.modelId = modelId;
  }

  /** One event's data. Throws the provider's error when the event is one. */
  push(data: string): void {
    if (this.done) return;
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      throw new InvalidResponseDataError({ data: undefined, message: 'A streamed chunk is not JSON' });
    }
    if (!isRecord(chunk)) throw new InvalidResponseDataError({ data: undefined, message: 'A streamed chunk is not a JSON object' });
    // An error reported inside the stream, after the 200: `{ error: { message, type, code } }`.
    if (chunk.error !== undefined && chunk.error !== null) throw streamedError(chunk.error);
    if (this.answeredBy === undefined && typeof chunk.model === 'string' && chunk.model !== '') this.answeredBy = chunk.model;
    if (isRecord(chunk.usage)) this.usage = usageOf(chunk.usage);
    const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as unknown) : undefined;
    if (!isRecord(choice)) return;
    if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
    const delta = choice.delta;
    if (!isRecord(delta)) return;
    const text = contentText(delta.content);
    if (text !== '') this.addText(text);
    if (typeof delta.refusal === 'string' && delta.refusal !== '') {
      this.refused = true;
      this.addText(delta.refusal);
    }
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls as unknown[]) this.addToolCallDelta(call);
  }

  takeText(): string[] {
    const texts = this.pendingText;
    this.pendingText = [];
    return texts;
  }

  response(provider: string): ModelResponse {
    if (this.finishReason === undefined) {
      throw new InvalidResponseDataError({ data: undefined, message: 'the stream ended before the model finished' });
    }
    const toolCalls = this.calls.map((call) => toolCall(call.id, call.name, call.arguments));
    return {
      text: this.text,
      toolCalls,
      finishReason: finishReasonOf(this.finishReason, this.refused),
      usage: this.usage,
      modelId: this.answeredBy ?? this.modelId,
      provider,
    };
  }

  private addText(text: string): void {
    this.text += text;
    this.pendingText.push(text);
  }

  /**
   * Calls arrive in pieces: usually the first of a call carries its `index`, id and name, the
   * rest more arguments at the same index. Servers differ, so a piece continues a call when its
   * id is that call's, or (without an id) when its index is; a new id starts a new call even at
   * an index already used (some servers number every call 0), and so does a name at an index
   * whose call already holds a complete value. A piece with neither index nor id continues the
   * last call unless it names a function of its own.
   */
  private addToolCallDelta(value: unknown): void {
    if (!isRecord(value)) return;
    const fn = isRecord(value.function) ? value.function : {};
    const index = typeof value.index === 'number' ? value.index : undefined;
    const id = typeof value.id === 'string' && value.id !== '' ? value.id : undefined;
    const name = typeof fn.name === 'string' && fn.name !== '' ? fn.name : undefined;
    const args = typeof fn.arguments === 'string' ? fn.arguments : '';
    let call = this.continued(index, id, name, args);
    if (call === undefined) {
      call = { id: undefined, name: undefined, arguments: '' };
      this.calls.push(call);
    }
    if (index !== undefined) this.callAtIndex.set(index, call);
    if (id !== undefined && call.id === undefined) {
      call.id = id;
      this.callWithId.set(id, call);
    }
    if (name !== undefined && call.name === undefined) call.name = name;
    call.arguments += args;
  }

  /** The call a piece belongs to, or undefined when it starts a new one. */
  private continued(index: number | undefined, id: string | undefined, name: string | undefined, args: string): StreamedCall | undefined {
    if (id !== undefined) {
      const known = this.callWithId.get(id);
      if (known !== undefined) return known;
      // An id not seen before continues the call at its index only if that call has none yet.
      const atIndex = index === undefined ? undefined : this.callAtIndex.get(index);
      return atIndex !== undefined && atIndex.id === undefined && (name === undefined || atIndex.name === undefined || atIndex.name === name)
        ? atIndex
        : undefined;
    }
    if (index !== undefined) {
      const atIndex = this.callAtIndex.get(index);
      if (atIndex === undefined) return undefined;
      // A name repeated with nothing more is the same call; a call with arguments after a whole value is another.
      const another = name !== undefined && atIndex.name !== undefined && isCompleteJson(atIndex.arguments) && (args.trim() !== '' || name !== atIndex.name);
      return another ? undefined : atIndex;
    }
    return name === undefined ? this.calls.at(-1) : undefined;
  }
}

interface StreamedCall {
  id: string | undefined;
  name: string | undefined;
  arguments: string;
}

/** Whether streamed arguments already form a whole JSON value: a further named piece is another call. */
function isCompleteJson(text: string): boolean {
  if (text.trim() === '') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A non-streamed answer: `choices[0].message`, its finish reason and the usage. */
function completion(body: unknown, model: { provider: string; modelId: string }): ModelResponse {
  const choice = isRecord(body) && Array.isArray(body.choices) ? (body.choices[0] as unknown) : undefined;
  if (!isRecord(body) || !isRecord(choice) || !isRecord(choice.message)) {
    throw new InvalidResponseDataError({ data: undefined, message: 'Response did not contain any choices.' });
  }
  const message = choice.message;
  let text = contentText(message.content);
  const refused = typeof message.refusal === 'string' && message.refusal !== '';
  if (refused) text += message.refusal as string;
  const toolCalls = (Array.isArray(message.tool_calls) ? (message.tool_calls as unknown[]) : []).map((value) => {
    const call = isRecord(value) ? value : {};
    const fn = isRecord(call.function) ? call.function : {};
    return toolCall(typeof call.id === 'string' && call.id !== '' ? call.id : undefined, typeof fn.name === 'string' ? fn.name : undefined, fn.arguments);
  });
  return {
    text,
    toolCalls,
    finishReason: finishReasonOf(typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined, refused),
    usage: isRecord(body.usage) ? usageOf(body.usage) : { inputTokens: 0, outputTokens: 0, cachedTokens: 0 },
    modelId: typeof body.model === 'string' && body.model !== '' ? body.model : model.modelId,
    provider: model.provider,
  };
}

/** A call as the model made it: its arguments stay raw text, even malformed, for the engine to judge. */
function toolCall(id: string | undefined, name: string | undefined, args: unknown): ModelToolCall {
  if (name === undefined || name === '') throw new InvalidResponseDataError({ data: undefined, message: 'A tool call has no function name' });
  return { callId: id ?? `call_${randomUUID()}`, toolName: name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) };
}

/** Message content is a string, or (on some servers) a list of parts of which the text ones count. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content as unknown[]) if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') text += part.text;
  return text;
}

function finishReasonOf(raw: string | undefined, refused: boolean): FinishReason {
  switch (raw) {
    case 'stop':
      return refused ? 'content-filter' : 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    default:
      return 'other';
  }
}

function usageOf(usage: Record<string, unknown>): ModelUsage {
  const details = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  return { inputTokens: count(usage.prompt_tokens), outputTokens: count(usage.completion_tokens), cachedTokens: count(details.cached_tokens) };
}

/** Token counts as whole, non-negative numbers: anything else a server sends counts as none. */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.trunc(value) : 0;
}

/** A failed exchange (connection refused or lost): retryable, never carrying the request. */
function connectionFailed(url: string, cause: unknown): APICallError {
  const reason = cause instanceof Error ? (cause.cause instanceof Error ? `${cause.message}: ${cause.cause.message}` : cause.message) : String(cause);
  return new APICallError({ message: `Cannot connect to API: ${reason}`, url, requestBodyValues: {}, cause, isRetryable: true });
}

/** An error the server reported after its 200: a server error, as the status line said nothing. */
function streamedError(error: unknown): APICallError {
  const message = isRecord(error) && typeof error.message === 'string' ? error.message : 'The server reported an error in the stream';
  return new APICallError({ message, url: '', requestBodyValues: {}, statusCode: 500, responseBody: JSON.stringify(error), isRetryable: true });
}

/** A non-2xx answer: its status, the server's own message when it sent one, and the retry headers. */
async function failedResponse(url: string, response: Response): Promise<APICallError> {
  const body = await response.text().catch(() => '');
  let message = response.statusText === '' ? `HTTP ${response.status}` : response.statusText;
  try {
    const parsed: unknown = JSON.parse(body);
    const error = isRecord(parsed) ? parsed.error : undefined;
    if (isRecord(error) && typeof error.message === 'string') message = error.message;
    else if (typeof error === 'string') message = error;
  } catch {
    // Not JSON: the status text stands.
  }
  const status = response.status;
  return new APICallError({
    message,
    url,
    requestBodyValues: {},
    statusCode: status,
    responseHeaders: Object.fromEntries(response.headers),
    responseBody: body,
    isRetryable: status === 408 || status === 409 || status === 429 || status >= 500,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
