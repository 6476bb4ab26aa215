import type { JSONSchema7, JSONValue } from '@ai-sdk/provider';
import type { ModelMessage } from '../../journal/messages.ts';
import type { ModelRequest } from '../model.ts';

/*
 * The subset of the AI SDK call options Keel uses. It is written out here, rather than taken
 * from LanguageModelV4CallOptions, because it is exactly the part that specification versions
 * v3 and v4 share: one value of this type can be passed to either kind of model.
 */

type TextPart = { type: 'text'; text: string };
type ToolCallPart = { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown };
type ToolResultOutput =
  { type: 'text'; value: string } | { type: 'error-text'; value: string } | { type: 'json'; value: JSONValue } | { type: 'error-json'; value: JSONValue };
type ToolResultPart = { type: 'tool-result'; toolCallId: string; toolName: string; output: ToolResultOutput };

export type PromptMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: TextPart[] }
  | { role: 'assistant'; content: (TextPart | ToolCallPart)[] }
  | { role: 'tool'; content: ToolResultPart[] };

export interface CallOptions {
  prompt: PromptMessage[];
  tools?: { type: 'function'; name: string; description?: string; inputSchema: JSONSchema7 }[];
  toolChoice?: { type: 'auto' } | { type: 'none' } | { type: 'required' };
  responseFormat?: { type: 'json'; schema?: JSONSchema7 };
  maxOutputTokens?: number;
  temperature?: number;
  abortSignal?: AbortSignal;
}

/**
 * Maps Keel's request onto the AI SDK's call options.
 *
 * @example
 * const result = await model.doGenerate(toCallOptions({ messages: [{ role: 'user', content: 'Hi' }] }));
 */
export function toCallOptions(request: ModelRequest): CallOptions {
  const options: CallOptions = { prompt: toPrompt(request.messages) };
  if (request.tools !== undefined && request.tools.length > 0) {
    options.tools = request.tools.map((tool) => ({
      type: 'function',
      name: tool.name,
      description: tool.description,
      // Keel keeps JSON Schemas as plain records; the SDK's JSONSchema7 type is the same data.
      inputSchema: tool.inputSchema as JSONSchema7,
    }));
  }
  if (request.toolChoice !== undefined) options.toolChoice = { type: request.toolChoice };
  if (request.responseFormat !== undefined) {
    const schema = request.responseFormat.schema;
    options.responseFormat = schema === undefined ? { type: 'json' } : { type: 'json', schema: schema as JSONSchema7 };
  }
  if (request.maxOutputTokens !== undefined) options.maxOutputTokens = request.maxOutputTokens;
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.signal !== undefined) options.abortSignal = request.signal;
  return options;
}

/**
 * Converted messages, by the message they came from. A run sends its whole conversation with
 * every call, and the engine hands over the same message objects each time, so each is
 * converted (its arguments parsed, its result copied to plain JSON) once per run, not per call.
 * Cached values are never changed afterwards: tool messages are grouped in new wrappers.
 */
const converted = new WeakMap<ModelMessage, PromptMessage | ToolResultPart>();

function toPrompt(messages: ModelMessage[]): PromptMessage[] {
  const prompt: PromptMessage[] = [];
  for (const message of messages) {
    let part = converted.get(message);
    if (part === undefined) {
      part = convert(message);
      converted.set(message, part);
    }
    if ('role' in part) {
      prompt.push(part);
      continue;
    }
    // Results of parallel calls belong in one tool message (Anthropic requires it).
    const last = prompt.at(-1);
    if (last?.role === 'tool') last.content.push(part);
    else prompt.push({ role: 'tool', content: [part] });
  }
  return prompt;
}

function convert(message: ModelMessage): PromptMessage | ToolResultPart {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return { role: 'user', content: [{ type: 'text', text: message.content }] };
    case 'assistant': {
      const content: (TextPart | ToolCallPart)[] = message.content === '' ? [] : [{ type: 'text', text: message.content }];
      for (const call of message.toolCalls ?? []) {
        content.push({ type: 'tool-call', toolCallId: call.callId, toolName: call.toolName, input: parseArguments(call.arguments) });
      }
      return { role: 'assistant', content };
    }
    case 'tool':
      return { type: 'tool-result', toolCallId: message.callId, toolName: message.toolName, output: toOutput(message.content, message.isError === true) };
  }
}

/**
 * Providers require a call's input to be an object. A call whose arguments were malformed was
 * rejected by the engine; it is replayed with an empty object, and its tool result explains.
 */
function parseArguments(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

function toOutput(content: unknown, isError: boolean): ToolResultOutput {
  if (typeof content === 'string') return { type: isError ? 'error-text' : 'text', value: content };
  // A JSON round trip turns anything (Dates, undefined fields) into plain JSON.
  const value = JSON.parse(JSON.stringify(content ?? null) ?? 'null') as JSONValue;
  return { type: isError ? 'error-json' : 'json', value };
}
