import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeelError } from '../errors/index.ts';
import { startFakeModelServer, type FakeModelServer } from '../testing/index.ts';
import { fromAiSdk } from './ai-sdk/adapter.ts';
import { drain, modelCases, protocolCases } from './ai-sdk/test-helpers.ts';
import type { ModelRequest } from './model.ts';
import { withRetry } from './retry.ts';
import { withTimeouts } from './timeouts.ts';

let server: FakeModelServer;
beforeEach(async () => {
  server = await startFakeModelServer();
});
afterEach(async () => {
  await server.close();
});

const request: ModelRequest = { messages: [{ role: 'user', content: 'Tell me a story' }] };
const longText = Array.from({ length: 60 }, (_, index) => `word${index}`).join(' ');

async function rejection(promise: Promise<unknown>): Promise<KeelError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!KeelError.isInstance(error)) throw new Error(`expected a KeelError, got ${String(error)}`);
  return error;
}

describe.each(modelCases)('withTimeouts on $name', ({ model: make }) => {
  it('gives up on a stream whose first token does not come', async () => {
    server.enqueue({ fault: 'hang' });
    const model = withTimeouts(make(server), { firstTokenTimeoutMs: 100, timeoutMs: 30_000 });
    const { types, error } = await drain(model, request);
    expect(types).toEqual([]);
    expect(KeelError.isInstance(error) && error.code).toBe('MODEL_TIMEOUT');
    expect(KeelError.isInstance(error) && error.retryable).toBe(true);
    expect(KeelError.isInstance(error) && error.details).toMatchObject({ timeout: 'first-token', timeoutMs: 100 });
  });

  it('lets a flowing stream past the first-token limit, then stops it at the total limit', async () => {
    server.enqueue({ text: longText, chunkDelayMs: 50 });
    const model = withTimeouts(make(server), { firstTokenTimeoutMs: 600, timeoutMs: 1_500 });
    const { types, error } = await drain(model, request);
    expect(types).toContain('text-delta');
    expect(types).not.toContain('response');
    expect(KeelError.isInstance(error) && error.details).toMatchObject({ timeout: 'total', timeoutMs: 1_500 });
  });

  it('applies only the total limit to a call that does not stream', async () => {
    server.enqueue({ text: 'Once upon a time.', delayMs: 300 }, { fault: 'hang' });
    const model = withTimeouts(make(server), { firstTokenTimeoutMs: 100, timeoutMs: 30_000 });
    expect((await model.generate(request)).text).toBe('Once upon a time.');
    const slow = withTimeouts(make(server), { timeoutMs: 200 });
    const error = await rejection(slow.generate(request));
    expect(error.code).toBe('MODEL_TIMEOUT');
    expect(error.details).toMatchObject({ timeout: 'total' });
  });

  it('leaves an abort by the caller to the caller', async () => {
    server.enqueue({ fault: 'hang' });
    const model = withTimeouts(make(server), { timeoutMs: 30_000 });
    const error = await rejection(model.generate({ ...request, signal: AbortSignal.timeout(100) }));
    expect(error.code).toBe('MODEL_TIMEOUT');
    expect(error.details?.timeout).toBeUndefined();
  });

  it('is retried: a stalled attempt gives way to a fresh one', async () => {
    server.enqueue({ fault: 'hang' }, { text: 'Hello there' });
    const model = withRetry(withTimeouts(make(server), { firstTokenTimeoutMs: 100 }), { sleep: () => Promise.resolve() });
    const { types, error } = await drain(model, request);
    expect(error).toBeUndefined();
    expect(types.at(-1)).toBe('response');
    expect(server.requests).toHaveLength(2);
  });
});

describe('withTimeouts', () => {
  it('returns the model itself when no limit is set', () => {
    const model = fromAiSdk(protocolCases[0]!.create(server));
    expect(withTimeouts(model, {})).toBe(model);
  });
});
