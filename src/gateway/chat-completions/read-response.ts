import { randomUUID } from 'node:crypto';
import { APICallError, InvalidResponseDataError } from '@ai-sdk/provider';
import type { FinishReason, ModelToolCall, ModelUsage } from '../../journal/messages.ts';
import { isRecord } from '../../internal/is-record.ts';
import type { ModelResponse } from '../model.ts';

/*
 * Reading a Chat Completions answer: the chunks of a streamed one as they arrive, or the body of
 * one that was not streamed. Failures are raised as the AI SDK's error classes, which
 * `toModelError` maps for every provider alike.
 */

/** What the chunks of one streamed answer add up to, as they arrive. */
export class ChunkReader {
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
export function completion(body: unknown, model: { provider: string; modelId: string }): ModelResponse {
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

/** An error the server reported after its 200: a server error, as the status line said nothing. */
function streamedError(error: unknown): APICallError {
  const message = isRecord(error) && typeof error.message === 'string' ? error.message : 'The server reported an error in the stream';
  return new APICallError({ message, url: '', requestBodyValues: {}, statusCode: 500, responseBody: JSON.stringify(error), isRetryable: true });
}
