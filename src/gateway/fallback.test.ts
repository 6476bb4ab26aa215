import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeFaultTurn } from '../testing/index.ts';
import { startFakeModelServer, type FakeModelServer } from '../testing/index.ts';
import { fromAiSdk } from './ai-sdk/adapter.ts';
import { ask, drain, modes } from './ai-sdk/test-helpers.ts';
import { createCircuitBreakers, withCircuitBreaker } from './breaker/with-circuit-breaker.ts';
import { withFallbacks } from './fallback.ts';
import type { Model, ModelFallbackEvent, ModelRequest } from './model.ts';
import { withRetry } from './retry.ts';

let server: FakeModelServer;
let events: ModelFallbackEvent[];
beforeEach(async () => {
  server = await startFakeModelServer();
  events = [];
});
afterEach(async () => {
  await server.close();
});

const noSleep = { sleep: () => Promise.resolve() };
const openai = () => fromAiSdk(createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test' })('gpt-4o-mini'));
const anthropic = () => fromAiSdk(createAnthropic({ baseURL: server.anthropicBaseURL, apiKey: 'test' })('claude-haiku-4-5'));
const request = (): ModelRequest => ({ messages: [{ role: 'user', content: 'Hi' }], call: { onFallback: (event) => events.push(event) } });

/** Each direction: the primary speaks one wire protocol, its fallback the other. */
const directions: Array<{ name: string; primary: () => Model; fallback: () => Model; fallbackPath: string }> = [
  { name: 'OpenAI → Anthropic', primary: openai, fallback: anthropic, fallbackPath: '/v1/messages' },
  { name: 'Anthropic → OpenAI', primary: anthropic, fallback: openai, fallbackPath: '/v1/responses' },
];

const switchingFaults: Array<{ fault: FakeFaultTurn; code: string }> = [
  { fault: { fault: 'rate-limit', retryAfterSeconds: 60 }, code: 'MODEL_RATE_LIMITED' },
  { fault: { fault: 'server-error', status: 503 }, code: 'MODEL_UNAVAILABLE' },
  { fault: { fault: 'html' }, code: 'MODEL_RESPONSE_INVALID' },
  { fault: { fault: 'context-length' }, code: 'MODEL_CONTEXT_TOO_LONG' },
  { fault: { fault: 'content-policy' }, code: 'MODEL_CONTENT_FILTERED' },
];

describe.each(directions)('withFallbacks, $name', ({ primary, fallback, fallbackPath }) => {
  describe.each(modes)('%s', (mode) => {
    it.each(switchingFaults)('switches on $code and reports the switch', async ({ fault, code }) => {
      const first = primary();
      const second = fallback();
      server.enqueue(fault, { text: 'Answer from the fallback', usage: { inputTokens: 10, outputTokens: 4 } });
      const model = withFallbacks([withRetry(first, { maxAttempts: 1 }), second]);
      const { response } = await ask(model, request(), mode);
      expect(response.text).toBe('Answer from the fallback');
      expect(response.modelId).toBe(second.modelId);
      expect(response.usage).toEqual({ inputTokens: 10, outputTokens: 4, cachedTokens: 0 });
      expect(server.requests.map((received) => received.path).at(-1)).toBe(fallbackPath);
      expect(events).toEqual([
        {
          from: { provider: first.provider, modelId: first.modelId },
          to: { provider: second.provider, modelId: second.modelId },
          error: expect.objectContaining({ code }) as unknown,
        },
      ]);
    });

    it('does not switch on a bad request or a bad key', async () => {
      server.enqueue({ fault: 'bad-request' }, { text: 'never sent' });
      const model = withFallbacks([primary(), fallback()]);
      await expect(ask(model, request(), mode)).rejects.toMatchObject({ code: 'MODEL_REQUEST_REJECTED' });
      expect(events).toEqual([]);
      expect(server.requests).toHaveLength(1);
    });

    it('switches when the primary breaker is open, without calling the primary', async () => {
      const breakers = createCircuitBreakers({ minimumCalls: 1, cooldownMs: 60_000 });
      const guarded = withCircuitBreaker(primary(), breakers);
      server.enqueue({ fault: 'server-error' }, { text: 'From the fallback' });
      const model = withFallbacks([guarded, fallback()]);
      await ask(model, request(), mode);
      events = [];
      server.enqueue({ text: 'From the fallback again' });
      const { response } = await ask(model, request(), mode);
      expect(response.text).toBe('From the fallback again');
      expect(events.map((event) => event.error.code)).toEqual(['MODEL_CIRCUIT_OPEN']);
      expect(server.requests).toHaveLength(3);
    });

    it('throws the last error when every model fails', async () => {
      server.enqueue({ fault: 'server-error', status: 502 }, { fault: 'server-error', status: 503 });
      const model = withFallbacks([withRetry(primary(), { maxAttempts: 1 }), withRetry(fallback(), { maxAttempts: 1 })]);
      await expect(ask(model, request(), mode)).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE', details: { status: 503 } });
      expect(events).toHaveLength(1);
    });
  });

  it('retries the primary first, then falls back', async () => {
    server.enqueue({ fault: 'server-error' }, { fault: 'server-error' }, { text: 'Fallback answer' });
    const model = withFallbacks([withRetry(primary(), { maxAttempts: 2, ...noSleep }), fallback()]);
    expect((await model.generate(request())).text).toBe('Fallback answer');
    expect(server.requests).toHaveLength(3);
    expect(events).toHaveLength(1);
  });

  it('never switches a stream that already produced text', async () => {
    server.enqueue({ fault: 'cut-stream', afterChunks: 6, text: 'one two three four five six seven' }, { text: 'never sent' });
    const model = withFallbacks([primary(), fallback()]);
    const { types, error } = await drain(model, request());
    expect(types).toContain('text-delta');
    expect(types).not.toContain('response');
    expect(error).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect(events).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('switches a stream mid-way when the caller can start over', async () => {
    server.enqueue({ fault: 'cut-stream', afterChunks: 6, text: 'one two three four five six seven' }, { text: 'Fallback answer' });
    const restarts: string[] = [];
    const model = withFallbacks([primary(), fallback()]);
    let text: string | undefined;
    for await (const part of model.stream?.({
      ...request(),
      call: { onFallback: (event) => events.push(event), onStreamRestart: (error) => restarts.push(error.code) },
    }) ?? []) {
      if (part.type === 'response') text = part.response.text;
    }
    expect(restarts).toEqual(['MODEL_UNAVAILABLE']);
    expect(events).toHaveLength(1);
    expect(text).toBe('Fallback answer');
  });

  it('never switches after the caller aborted', async () => {
    server.enqueue({ fault: 'hang' }, { text: 'never sent' });
    const model = withFallbacks([primary(), fallback()]);
    await expect(model.generate({ ...request(), signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ code: 'MODEL_TIMEOUT' });
    expect(events).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });
});

describe('withFallbacks', () => {
  it('is the model itself when there is nothing to fall back to', () => {
    const model = openai();
    expect(withFallbacks([model])).toBe(model);
  });

  it('answers as the primary model and tells options.onFallback too', async () => {
    const seen: ModelFallbackEvent[] = [];
    server.enqueue({ fault: 'server-error' }, { text: 'ok' });
    const model = withFallbacks([withRetry(openai(), { maxAttempts: 1 }), anthropic()], { onFallback: (event) => seen.push(event) });
    expect([model.provider, model.modelId]).toEqual(['openai', 'gpt-4o-mini']);
    await model.generate({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(seen.map((event) => event.to.modelId)).toEqual(['claude-haiku-4-5']);
  });
});
