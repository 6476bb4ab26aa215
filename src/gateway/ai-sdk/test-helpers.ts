import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { FakeModelServer, FakeProtocol } from '../../testing/index.ts';
import { chatCompletionsModel } from '../chat-completions/chat-completions-model.ts';
import type { Model, ModelRequest, ModelResponse } from '../model.ts';
import { fromAiSdk } from './adapter.ts';

/** Real AI SDK providers pointed at the fake server, one per wire protocol. */
export const protocolCases: { name: string; protocol: FakeProtocol; create: (server: FakeModelServer) => LanguageModelV4 }[] = [
  {
    name: 'OpenAI Chat Completions',
    protocol: 'openai-chat',
    create: (server) => createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test' }).chat('gpt-4o-mini'),
  },
  {
    name: 'OpenAI Responses',
    protocol: 'openai-responses',
    create: (server) => createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test' })('gpt-4o-mini'),
  },
  {
    name: 'Anthropic Messages',
    protocol: 'anthropic-messages',
    create: (server) => createAnthropic({ baseURL: server.anthropicBaseURL, apiKey: 'test' })('claude-haiku-4-5'),
  },
  {
    name: 'OpenAI-compatible Chat Completions',
    protocol: 'openai-chat',
    create: (server) => createOpenAICompatible({ baseURL: server.openaiBaseURL, name: 'local', includeUsage: true })('llama3.1:8b'),
  },
];

/**
 * Every way Keel talks to a provider, as a Keel `Model` pointed at the fake server: each AI SDK
 * provider above through `fromAiSdk`, and Keel's own Chat Completions client.
 */
export const modelCases: { name: string; protocol: FakeProtocol; model: (server: FakeModelServer) => Model }[] = [
  ...protocolCases.map(({ name, protocol, create }) => ({ name: `${name} (AI SDK)`, protocol, model: (server: FakeModelServer) => fromAiSdk(create(server)) })),
  {
    name: 'OpenAI-compatible Chat Completions (Keel client)',
    protocol: 'openai-chat',
    model: (server) => chatCompletionsModel('llama3.1:8b', { baseURL: server.openaiBaseURL, name: 'local', apiKey: 'test' }),
  },
];

export type Mode = 'generate' | 'stream';
export const modes: Mode[] = ['generate', 'stream'];

export interface Answer {
  response: ModelResponse;
  deltas: string[];
}

/** Calls the model in the given mode; for streams, checks the `response` part comes last. */
export async function ask(model: Model, request: ModelRequest, mode: Mode): Promise<Answer> {
  if (mode === 'generate') return { response: await model.generate(request), deltas: [] };
  if (model.stream === undefined) throw new Error('model cannot stream');
  const deltas: string[] = [];
  let response: ModelResponse | undefined;
  for await (const part of model.stream(request)) {
    if (response !== undefined) throw new Error('a part followed the response part');
    if (part.type === 'text-delta') deltas.push(part.text);
    else response = part.response;
  }
  if (response === undefined) throw new Error('the stream ended without a response part');
  return { response, deltas };
}

/** Reads a stream to its end, returning the parts seen before it threw (or ended). */
export async function drain(model: Model, request: ModelRequest): Promise<{ types: string[]; error: unknown }> {
  const types: string[] = [];
  try {
    for await (const part of model.stream?.(request) ?? []) types.push(part.type);
  } catch (error) {
    return { types, error };
  }
  return { types, error: undefined };
}

export const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};

export const timeTool = {
  name: 'get_time',
  description: 'Current time in a timezone',
  inputSchema: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'], additionalProperties: false },
};
