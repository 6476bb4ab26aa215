import type { FakeMessage, FakeProtocol, FakeToolSpec } from './types.ts';

/** A reply with every default filled in, ready to be rendered in any protocol. */
export interface ScriptedReply {
  text: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  usage: { inputTokens: number; outputTokens: number; cachedTokens: number };
  /** Stream the text in pieces of this many characters (default: word by word). */
  deltaSize?: number;
}

export interface RenderContext {
  model: string;
  /** Unique per request, so ids differ between answers. */
  sequence: number;
  /** The request asked for a usage chunk at the end of the stream (Chat Completions). */
  includeUsage: boolean;
}

/** One server-sent event. `event` is the optional `event:` line. */
export interface SseEvent {
  event?: string;
  data: string;
}

export interface ParsedRequest {
  model: string;
  messages: FakeMessage[];
  tools: FakeToolSpec[];
  stream: boolean;
  includeUsage: boolean;
}

/** What each wire protocol contributes: how to read a request and how to write answers. */
export interface ProtocolHandler {
  readonly protocol: FakeProtocol;
  parseRequest(body: Record<string, unknown>): ParsedRequest;
  /** The non-streaming JSON body. */
  renderResponse(reply: ScriptedReply, context: RenderContext): unknown;
  /** The streamed events, in order, including the protocol's terminator. */
  renderEvents(reply: ScriptedReply, context: RenderContext): SseEvent[];
  /** The provider's error body for an HTTP status (`code`: OpenAI's machine-readable error code). */
  errorBody(status: number, message: string, code?: string): unknown;
  /** The prefix of generated tool call ids. */
  readonly toolCallIdPrefix: string;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

/** Text of a content field that is either a string or a list of `{ type, text }` parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map((part) => asString(asRecord(part).text))
    .join('');
}

/** Splits text into word-sized deltas, as real models stream it, or into pieces of `size` characters. */
export function splitIntoDeltas(text: string, size?: number): string[] {
  if (size !== undefined && size > 0) return Array.from({ length: Math.ceil(text.length / size) }, (_, index) => text.slice(index * size, (index + 1) * size));
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** Splits tool arguments into a few pieces so clients must reassemble them. */
export function splitArguments(text: string): string[] {
  if (text.length < 4) return [text];
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)];
}

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
