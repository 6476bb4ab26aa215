import type { LanguageModelV3, LanguageModelV3GenerateResult } from '@ai-sdk/provider';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeelError } from '../errors/index.ts';
import { startFakeModelServer, type FakeModelServer } from '../testing/index.ts';
import { drain } from './ai-sdk/test-helpers.ts';
import type { Model } from './model.ts';
import { resolveModel } from './resolve-model.ts';

let server: FakeModelServer;
beforeEach(async () => {
  server = await startFakeModelServer();
});
afterEach(async () => {
  await server.close();
});

const hello = { messages: [{ role: 'user' as const, content: 'Hello' }] };

function thrown(run: () => unknown): KeelError {
  try {
    run();
  } catch (error) {
    if (KeelError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a KeelError');
}

describe('resolveModel with strings', () => {
  it('resolves openai:<model> to the Responses API with OPENAI_API_KEY and OPENAI_BASE_URL', async () => {
    const model = resolveModel('openai:gpt-4o-mini', { env: { OPENAI_API_KEY: 'sk-env', OPENAI_BASE_URL: server.openaiBaseURL } });
    expect([model.provider, model.modelId]).toEqual(['openai', 'gpt-4o-mini']);
    server.enqueue({ text: 'Hi' });
    expect((await model.generate(hello)).text).toBe('Hi');
    expect(server.requests[0]).toMatchObject({ path: '/v1/responses', model: 'gpt-4o-mini' });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-env');
  });

  it('resolves anthropic:<model> with ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL', async () => {
    const model = resolveModel('anthropic:claude-haiku-4-5', { env: { ANTHROPIC_API_KEY: 'ant-env', ANTHROPIC_BASE_URL: server.anthropicBaseURL } });
    server.enqueue({ text: 'Hi' });
    expect((await model.generate(hello)).text).toBe('Hi');
    expect(server.requests[0]).toMatchObject({ path: '/v1/messages', model: 'claude-haiku-4-5' });
    expect(server.requests[0]?.headers['x-api-key']).toBe('ant-env');
  });

  it('prefers providers from the config over the environment', async () => {
    const model = resolveModel('openai:gpt-4o', {
      providers: { openai: { apiKey: 'sk-config', baseURL: server.openaiBaseURL } },
      env: { OPENAI_API_KEY: 'sk-env', OPENAI_BASE_URL: 'http://127.0.0.1:9/unused' },
    });
    server.enqueue({ text: 'Hi' });
    await model.generate(hello);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-config');
  });

  it('resolves openai-compatible:<model> from the config, keeping colons in the model id and streaming usage', async () => {
    const model = resolveModel('openai-compatible:llama3.1:8b', {
      providers: { openaiCompatible: { baseURL: server.openaiBaseURL, name: 'ollama' } },
      env: {},
    });
    expect([model.provider, model.modelId]).toEqual(['ollama', 'llama3.1:8b']);
    server.enqueue({ text: 'Hi there', usage: { inputTokens: 9, outputTokens: 2 } });
    const parts: unknown[] = [];
    for await (const part of model.stream?.(hello) ?? []) parts.push(part);
    expect(parts.at(-1)).toMatchObject({ type: 'response', response: { text: 'Hi there', usage: { inputTokens: 9, outputTokens: 2 } } });
    expect(server.requests[0]).toMatchObject({ path: '/v1/chat/completions', model: 'llama3.1:8b' });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('resolves openai-compatible:<model> from OPENAI_COMPATIBLE_BASE_URL and OPENAI_COMPATIBLE_API_KEY', async () => {
    const model = resolveModel('openai-compatible:qwen', { env: { OPENAI_COMPATIBLE_BASE_URL: server.openaiBaseURL, OPENAI_COMPATIBLE_API_KEY: 'local-key' } });
    server.enqueue({ text: 'Hi' });
    await model.generate(hello);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer local-key');
  });

  it.each([
    ['openai:gpt-4o-mini', 'OPENAI_API_KEY'],
    ['anthropic:claude-haiku-4-5', 'ANTHROPIC_API_KEY'],
  ])('fails %s at once with MODEL_KEY_MISSING naming %s', (reference, variable) => {
    const error = thrown(() => resolveModel(reference, { env: { [variable]: '  ' } }));
    expect(error.code).toBe('MODEL_KEY_MISSING');
    expect(error.message).toContain(variable);
    expect(error.details).toMatchObject({ envVar: variable });
  });

  it('asks for a base URL for openai-compatible models', () => {
    const error = thrown(() => resolveModel('openai-compatible:llama3', { env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('OPENAI_COMPATIBLE_BASE_URL');
  });

  it.each([
    ['gpt-4o-mini', 'Did you mean "openai:gpt-4o-mini"?'],
    ['claude-haiku-4-5', 'Did you mean "anthropic:claude-haiku-4-5"?'],
    ['mistral-large', 'has no provider prefix'],
    ['gemini:gemini-2.0', 'unknown provider "gemini"'],
    ['openai:', 'has no model id'],
    ['', 'empty'],
  ])('rejects %j with MODEL_STRING_INVALID', (reference, hint) => {
    const error = thrown(() => resolveModel(reference, { env: { OPENAI_API_KEY: 'k' } }));
    expect(error.code).toBe('MODEL_STRING_INVALID');
    expect(error.message).toContain(hint);
  });
});

describe('resolveModel with objects', () => {
  it('passes a Keel Model through unchanged', () => {
    const model: Model = { provider: 'test', modelId: 'm', generate: () => Promise.reject(new Error('unused')) };
    expect(resolveModel(model)).toBe(model);
  });

  it('adapts an AI SDK v3 model (AI SDK 6)', async () => {
    const result: LanguageModelV3GenerateResult = {
      content: [
        { type: 'text', text: 'From v3' },
        { type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: '{"id":1}' },
      ],
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage: { inputTokens: { total: 5, noCache: 5, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 3, text: 3, reasoning: 0 } },
      warnings: [],
    };
    const v3: LanguageModelV3 = {
      specificationVersion: 'v3',
      provider: 'legacy.chat',
      modelId: 'old-model',
      supportedUrls: {},
      doGenerate: () => Promise.resolve(result),
      doStream: () => Promise.reject(new Error('unused')),
    };
    const response = await resolveModel(v3).generate(hello);
    expect(response).toMatchObject({ text: 'From v3', provider: 'legacy', modelId: 'old-model', finishReason: 'tool-calls' });
    expect(response.toolCalls).toEqual([{ callId: 'c1', toolName: 'lookup', arguments: '{"id":1}' }]);
    expect(response.usage).toEqual({ inputTokens: 5, outputTokens: 3, cachedTokens: 0 });
  });

  it('rejects an AI SDK v2 model, naming the supported versions', () => {
    const v2 = { specificationVersion: 'v2', provider: 'old', modelId: 'x', doGenerate: () => Promise.resolve({}), doStream: () => Promise.resolve({}) };
    const error = thrown(() => resolveModel(v2));
    expect(error.code).toBe('MODEL_STRING_INVALID');
    expect(error.message).toContain('"v4"');
  });

  it('rejects something that is not a model', () => {
    expect(thrown(() => resolveModel({} as unknown as Model)).code).toBe('MODEL_STRING_INVALID');
  });

  it('streams through a resolved string model and ends with one response part', async () => {
    const model = resolveModel('anthropic:claude-haiku-4-5', { providers: { anthropic: { apiKey: 'k', baseURL: server.anthropicBaseURL } }, env: {} });
    server.enqueue({ text: 'one two three' });
    const { types, error } = await drain(model, hello);
    expect(error).toBeUndefined();
    expect(types).toEqual(['text-delta', 'text-delta', 'text-delta', 'response']);
  });
});
