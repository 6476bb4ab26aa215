import type { ModelMessage } from '../../journal/messages.ts';
import type { ModelRequest, ModelToolSpec } from '../model.ts';

/*
 * A Chat Completions request body, written out as JSON text piece by piece. A run sends its
 * whole conversation with every call and the engine hands over the same message objects each
 * time, so each message (and each tool) is encoded once, the first time it is sent, and its JSON
 * text reused: a call costs the new messages plus one join, not a walk over the whole history.
 * Cached texts are immutable strings; the messages they came from are never changed after they
 * enter a conversation.
 */
const encodedMessages = new WeakMap<ModelMessage, string>();
const encodedTools = new WeakMap<ModelToolSpec, string>();

/**
 * The JSON body of a `POST /chat/completions` for `request`, streaming (with usage in the last
 * chunk) or not. Matches what OpenAI-compatible servers expect: one `tool` message per result,
 * tool results and call arguments as JSON text, `json_object` for a JSON answer.
 *
 * @example
 * const body = encodeRequest('llama3.1:8b', { messages: [{ role: 'user', content: 'Hi' }] }, true);
 */
export function encodeRequest(modelId: string, request: ModelRequest, stream: boolean): string {
  let body = `{"model":${JSON.stringify(modelId)}`;
  if (request.maxOutputTokens !== undefined) body += `,"max_tokens":${JSON.stringify(request.maxOutputTokens)}`;
  if (request.temperature !== undefined) body += `,"temperature":${JSON.stringify(request.temperature)}`;
  // OpenAI-compatible servers differ in what structured output they accept; JSON mode is the
  // one they share, so the schema itself is not sent.
  if (request.responseFormat !== undefined) body += ',"response_format":{"type":"json_object"}';
  body += `,"messages":[${request.messages.map(encodedMessage).join(',')}]`;
  if (request.tools !== undefined && request.tools.length > 0) {
    body += `,"tools":[${request.tools.map(encodedTool).join(',')}]`;
    if (request.toolChoice !== undefined) body += `,"tool_choice":${JSON.stringify(request.toolChoice)}`;
  }
  if (stream) body += ',"stream":true,"stream_options":{"include_usage":true}';
  return `${body}}`;
}

function encodedMessage(message: ModelMessage): string {
  let text = encodedMessages.get(message);
  if (text === undefined) {
    text = JSON.stringify(wireMessage(message));
    encodedMessages.set(message, text);
  }
  return text;
}

function encodedTool(tool: ModelToolSpec): string {
  let text = encodedTools.get(tool);
  if (text === undefined) {
    text = JSON.stringify({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } });
    encodedTools.set(tool, text);
  }
  return text;
}

function wireMessage(message: ModelMessage): Record<string, unknown> {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant': {
      const calls = message.toolCalls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        // Servers want `null`, not an empty string, beside tool calls.
        content: message.content === '' ? null : message.content,
        tool_calls: calls.map((call) => ({ id: call.callId, type: 'function', function: { name: call.toolName, arguments: wireArguments(call.arguments) } })),
      };
    }
    case 'tool':
      // The wire format has no error flag: an error result is sent as its text, like any other.
      return { role: 'tool', tool_call_id: message.callId, content: wireContent(message.content) };
  }
}

/**
 * Servers require a call's arguments to be a JSON object. A call whose arguments were malformed
 * was rejected by the engine; it is replayed with an empty object, and its tool result explains.
 */
function wireArguments(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? JSON.stringify(value) : '{}';
  } catch {
    return '{}';
  }
}

function wireContent(content: unknown): string {
  if (typeof content === 'string') return content;
  // JSON.stringify answers undefined for undefined and functions: those are sent as null.
  return JSON.stringify(content ?? null) ?? 'null';
}
