import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeModelServer, type FakeModelServer } from '../testing/index.ts';
import { scriptedModel } from '../testing/scripted-model.ts';
import { fromAiSdk } from './ai-sdk/adapter.ts';
import { ask, modes } from './ai-sdk/test-helpers.ts';
import type { Model, ModelRequest } from './model.ts';
import { withRetry } from './retry.ts';
import { validateResponse, withResponseValidation } from './validate-response.ts';

let server: FakeModelServer;
let sleeps: number;
beforeEach(async () => {
  server = await startFakeModelServer();
  sleeps = 0;
});
afterEach(async () => {
  await server.close();
});

const request: ModelRequest = { messages: [{ role: 'user', content: 'Hi' }] };
const sleep = () => {
  sleeps += 1;
  return Promise.resolve();
};

const protocols: Array<{ name: string; create: () => Model }> = [
  { name: 'OpenAI', create: () => fromAiSdk(createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test' })('gpt-4o-mini')) },
  { name: 'Anthropic', create: () => fromAiSdk(createAnthropic({ baseURL: server.anthropicBaseURL, apiKey: 'test' })('claude-haiku-4-5')) },
];

describe.each(protocols)('unreadable answers on $name', ({ create }) => {
  describe.each(modes)('%s', (mode) => {
    it.each(['html', 'empty'] as const)('retries a 200 with an %s body a bounded number of times, then fails with MODEL_RESPONSE_INVALID', async (fault) => {
      server.enqueue({ fault }, { fault }, { fault }, { text: 'never sent' });
      const model = withRetry(withResponseValidation(create()), { maxAttempts: 3, sleep });
      await expect(ask(model, request, mode)).rejects.toMatchObject({ code: 'MODEL_RESPONSE_INVALID', status: 502, category: 'third-party' });
      expect(server.requests).toHaveLength(3);
      expect(server.pendingTurns).toBe(1);
      expect(sleeps).toBe(2);
    });

    it.each(['html', 'empty'] as const)('recovers when the next attempt gets a real answer after an %s body', async (fault) => {
      server.enqueue({ fault }, { text: 'Hello!' });
      const model = withRetry(withResponseValidation(create()), { sleep });
      const { response } = await ask(model, request, mode);
      expect(response.text).toBe('Hello!');
      expect(server.requests).toHaveLength(2);
    });
  });
});

describe('validateResponse', () => {
  const base = { text: '', toolCalls: [], usage: { inputTokens: 5, outputTokens: 0, cachedTokens: 0 }, provider: 'openai', modelId: 'gpt-4o' };

  it('turns an empty answer blocked by the content filter into MODEL_CONTENT_FILTERED', () => {
    expect(() => validateResponse({ ...base, finishReason: 'content-filter' })).toThrow(
      expect.objectContaining({ code: 'MODEL_CONTENT_FILTERED', retryable: false }),
    );
  });

  it('keeps partial text the filter cut short, and ordinary empty answers', () => {
    expect(validateResponse({ ...base, text: 'Part of it', finishReason: 'content-filter' }).text).toBe('Part of it');
    expect(validateResponse({ ...base, finishReason: 'stop' }).finishReason).toBe('stop');
  });

  it('rejects a tool call without a tool name', () => {
    expect(() => validateResponse({ ...base, finishReason: 'tool-calls', toolCalls: [{ callId: 'c1', toolName: '', arguments: '{}' }] })).toThrow(
      expect.objectContaining({ code: 'MODEL_RESPONSE_INVALID' }),
    );
  });

  it.each(modes)('applies to every response of a wrapped model (%s)', async (mode) => {
    const model = withResponseValidation(scriptedModel([{ finishReason: 'content-filter' }], { stream: true }));
    await expect(ask(model, request, mode)).rejects.toMatchObject({ code: 'MODEL_CONTENT_FILTERED' });
  });
});
