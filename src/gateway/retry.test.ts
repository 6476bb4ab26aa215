import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeelError } from '../errors/index.ts';
import { startFakeModelServer, type FakeModelServer } from '../testing/index.ts';
import { fromAiSdk } from './ai-sdk/adapter.ts';
import { drain } from './ai-sdk/test-helpers.ts';
import type { Model, ModelRequest } from './model.ts';
import { withRetry, type RetryOptions } from './retry.ts';

let server: FakeModelServer;
let sleeps: number[];
beforeEach(async () => {
  server = await startFakeModelServer();
  sleeps = [];
});
afterEach(async () => {
  await server.close();
});

const request: ModelRequest = { messages: [{ role: 'user', content: 'Hi' }] };
const sleep = (ms: number) => {
  sleeps.push(ms);
  return Promise.resolve();
};

function openai(options: RetryOptions = {}): Model {
  return withRetry(fromAiSdk(createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test' })('gpt-4o-mini')), { sleep, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<KeelError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!KeelError.isInstance(error)) throw new Error(`expected a KeelError, got ${String(error)}`);
  return error;
}

describe('withRetry', () => {
  it('waits what Retry-After asks, then succeeds', async () => {
    server.enqueue({ fault: 'rate-limit', retryAfterSeconds: 2 }, { text: 'Hello' });
    const response = await openai().generate(request);
    expect(response.text).toBe('Hello');
    expect(sleeps).toEqual([2000]);
    expect(server.requests).toHaveLength(2);
  });

  it('backs off exponentially with full jitter on 5xx', async () => {
    server.enqueue({ fault: 'server-error' }, { fault: 'server-error', status: 502 }, { fault: 'server-error', status: 503 }, { text: 'Hello' });
    const model = openai({ maxAttempts: 4, initialDelayMs: 100, random: () => 0.5 });
    expect((await model.generate(request)).text).toBe('Hello');
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('caps the backoff at maxDelayMs', async () => {
    server.enqueue({ fault: 'server-error' }, { fault: 'server-error' }, { text: 'Hello' });
    await openai({ initialDelayMs: 1000, maxDelayMs: 1500, random: () => 0.999 }).generate(request);
    expect(sleeps[0]).toBeCloseTo(999);
    expect(sleeps[1]).toBeCloseTo(1498.5);
  });

  it('recovers from an overloaded Anthropic API (529)', async () => {
    server.enqueue({ fault: 'server-error', status: 529 }, { text: 'Hello' });
    const model = withRetry(fromAiSdk(createAnthropic({ baseURL: server.anthropicBaseURL, apiKey: 'test' })('claude-haiku-4-5')), { sleep });
    expect((await model.generate(request)).text).toBe('Hello');
    expect(sleeps).toHaveLength(1);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    server.enqueue({ fault: 'server-error' }, { fault: 'server-error' }, { fault: 'server-error', status: 503 }, { text: 'never sent' });
    const error = await rejection(openai().generate(request));
    expect(error.code).toBe('MODEL_UNAVAILABLE');
    expect(error.details).toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('tells onRetry about each retry before waiting', async () => {
    server.enqueue({ fault: 'rate-limit', retryAfterSeconds: 1 }, { fault: 'server-error' }, { text: 'Hello' });
    const retries: Array<{ attempt: number; delayMs: number; code: string }> = [];
    const model = openai({ random: () => 0.5, onRetry: ({ attempt, delayMs, error }) => retries.push({ attempt, delayMs, code: error.code }) });
    await model.generate(request);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 1000, code: 'MODEL_RATE_LIMITED' },
      { attempt: 2, delayMs: 500, code: 'MODEL_UNAVAILABLE' },
    ]);
  });

  it('does not retry an error that is not retryable', async () => {
    server.enqueue({ fault: 'bad-request' }, { text: 'never sent' });
    const error = await rejection(openai().generate(request));
    expect(error.code).toBe('MODEL_REQUEST_REJECTED');
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('throws at once when Retry-After asks for more than maxDelayMs', async () => {
    server.enqueue({ fault: 'rate-limit', retryAfterSeconds: 60 }, { text: 'never sent' });
    const error = await rejection(openai({ maxDelayMs: 20_000 }).generate(request));
    expect(error.code).toBe('MODEL_RATE_LIMITED');
    expect(error.retryAfterSeconds).toBe(60);
    expect(server.requests).toHaveLength(1);
  });

  it('stops waiting and does not retry once the request is aborted', async () => {
    server.enqueue({ fault: 'server-error' }, { text: 'never sent' });
    const controller = new AbortController();
    const model = openai({
      sleep: () => {
        controller.abort();
        return Promise.resolve();
      },
    });
    const error = await rejection(model.generate({ ...request, signal: controller.signal }));
    expect(error.code).toBe('MODEL_TIMEOUT');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a stream that failed before yielding anything', async () => {
    server.enqueue({ fault: 'rate-limit', retryAfterSeconds: 1 }, { fault: 'cut-stream', afterChunks: 1 }, { text: 'Hello world' });
    const { types, error } = await drain(openai(), request);
    expect(error).toBeUndefined();
    expect(types.at(-1)).toBe('response');
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('never retries a stream after it yielded a part', async () => {
    server.enqueue({ fault: 'cut-stream', afterChunks: 8, text: 'one two three four five six' }, { text: 'never sent' });
    const { types, error } = await drain(openai(), request);
    expect(types).toContain('text-delta');
    expect(types).not.toContain('response');
    expect(KeelError.isInstance(error) && error.retryable).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('restarts a stream that broke after yielding when the caller can start over', async () => {
    server.enqueue({ fault: 'cut-stream', afterChunks: 8, text: 'one two three four five six' }, { text: 'Hello world' });
    const restarts: string[] = [];
    const deltas: string[] = [];
    let response: string | undefined;
    for await (const part of openai().stream?.({ ...request, call: { onStreamRestart: (error) => restarts.push(`${error.code} after ${deltas.length}`) } }) ??
      []) {
      if (part.type === 'text-delta') deltas.push(part.text);
      else response = part.response.text;
    }
    expect(restarts).toHaveLength(1);
    expect(restarts[0]).toMatch(/^MODEL_UNAVAILABLE after [1-9]/);
    expect(response).toBe('Hello world');
    expect(server.requests).toHaveLength(2);
  });

  it('keeps a model without streaming without streaming', () => {
    const plain: Model = { provider: 'test', modelId: 'plain', generate: () => Promise.reject(new Error('unused')) };
    expect(withRetry(plain).stream).toBeUndefined();
    expect(withRetry(plain).modelId).toBe('plain');
  });
});
