import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeelError } from '../../errors/index.ts';
import { startFakeModelServer, type FakeModelServer } from '../../testing/index.ts';
import { fromAiSdk } from '../ai-sdk/adapter.ts';
import { protocolCases } from '../ai-sdk/test-helpers.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { ModelRequest } from '../model.ts';
import { createCircuitBreaker, type BreakerStateChange } from './circuit-breaker.ts';
import { createCircuitBreakers, withCircuitBreaker } from './with-circuit-breaker.ts';

let clock: number;
const now = () => clock;
beforeEach(() => {
  clock = Date.parse('2030-01-01T00:00:00Z');
});

function circuitOpen(work: () => unknown): KeelError {
  try {
    work();
  } catch (error) {
    if (KeelError.isInstance(error)) return error;
  }
  throw new Error('expected MODEL_CIRCUIT_OPEN');
}

describe('createCircuitBreaker', () => {
  it('opens at the failure rate once the window holds enough calls', () => {
    const changes: BreakerStateChange[] = [];
    const breaker = createCircuitBreaker('openai', 'gpt-4o-mini', { now, minimumCalls: 4, failureRate: 0.5, onStateChange: (change) => changes.push(change) });
    breaker.enter().success();
    breaker.enter().failure();
    breaker.enter().success();
    expect(breaker.state()).toBe('closed');
    breaker.enter().failure();
    expect(breaker.state()).toBe('open');
    expect(changes).toEqual([{ provider: 'openai', modelId: 'gpt-4o-mini', from: 'closed', to: 'open', at: new Date(clock), calls: 4, failures: 2 }]);
  });

  it('does not open below the minimum number of calls', () => {
    const breaker = createCircuitBreaker('openai', 'gpt-4o-mini', { now, minimumCalls: 5 });
    for (let index = 0; index < 4; index++) breaker.enter().failure();
    expect(breaker.state()).toBe('closed');
  });

  it('forgets failures that left the rolling window', () => {
    const breaker = createCircuitBreaker('openai', 'gpt-4o-mini', { now, minimumCalls: 4, windowMs: 10_000 });
    for (let index = 0; index < 3; index++) breaker.enter().failure();
    clock += 11_000;
    breaker.enter().failure();
    expect(breaker.state()).toBe('closed');
    for (let index = 0; index < 3; index++) breaker.enter().failure();
    expect(breaker.state()).toBe('open');
  });

  it('fails fast while open, saying how long the cooldown still lasts', () => {
    const breaker = createCircuitBreaker('anthropic', 'claude-haiku-4-5', { now, minimumCalls: 1, cooldownMs: 30_000 });
    breaker.enter().failure();
    clock += 10_000;
    const error = circuitOpen(() => breaker.enter());
    expect(error.code).toBe('MODEL_CIRCUIT_OPEN');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterSeconds).toBe(20);
    expect(error.details).toMatchObject({ provider: 'anthropic', modelId: 'claude-haiku-4-5', state: 'open' });
  });

  it('half-opens after the cooldown, lets one probe through, and closes when it succeeds', () => {
    const changes: string[] = [];
    const breaker = createCircuitBreaker('openai', 'gpt-4o', {
      now,
      minimumCalls: 1,
      cooldownMs: 5_000,
      onStateChange: (change) => changes.push(`${change.from}->${change.to}`),
    });
    breaker.enter().failure();
    clock += 5_000;
    expect(breaker.state()).toBe('half-open');
    const probe = breaker.enter();
    expect(circuitOpen(() => breaker.enter()).details).toMatchObject({ state: 'half-open' });
    probe.success();
    expect(breaker.state()).toBe('closed');
    expect(changes).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('reopens for another cooldown when the probe fails', () => {
    const breaker = createCircuitBreaker('openai', 'gpt-4o', { now, minimumCalls: 1, cooldownMs: 5_000 });
    breaker.enter().failure();
    clock += 5_000;
    breaker.enter().failure();
    expect(breaker.state()).toBe('open');
    clock += 4_999;
    expect(breaker.state()).toBe('open');
    clock += 1;
    expect(breaker.state()).toBe('half-open');
  });

  it('frees the probe slot when the probe is cancelled', () => {
    const breaker = createCircuitBreaker('openai', 'gpt-4o', { now, minimumCalls: 1, cooldownMs: 1_000 });
    breaker.enter().failure();
    clock += 1_000;
    breaker.enter().cancel();
    expect(breaker.state()).toBe('half-open');
    breaker.enter().success();
    expect(breaker.state()).toBe('closed');
  });

  it('logs state changes and survives a throwing callback', () => {
    const lines: Array<{ level: string; fields: unknown; message: string }> = [];
    const logger = {
      warn: (fields: unknown, message: string) => lines.push({ level: 'warn', fields, message }),
      info: (fields: unknown, message: string) => lines.push({ level: 'info', fields, message }),
    } as unknown as Pick<Logger, 'warn' | 'info'>;
    const breaker = createCircuitBreaker('openai', 'gpt-4o', {
      now,
      minimumCalls: 1,
      cooldownMs: 1_000,
      logger,
      onStateChange: () => {
        throw new Error('metrics down');
      },
    });
    breaker.enter().failure();
    clock += 1_000;
    breaker.enter().success();
    expect(lines.map((line) => `${line.level} ${line.message}`)).toEqual([
      'warn circuit breaker open',
      'info circuit breaker half-open',
      'info circuit breaker closed',
    ]);
    expect(lines[0]?.fields).toMatchObject({ provider: 'openai', modelId: 'gpt-4o', from: 'closed', to: 'open', calls: 1, failures: 1 });
  });
});

describe.each([protocolCases[1]!, protocolCases[2]!])('withCircuitBreaker on $name', ({ create }) => {
  let server: FakeModelServer;
  beforeEach(async () => {
    server = await startFakeModelServer();
  });
  afterEach(async () => {
    await server.close();
  });
  const request: ModelRequest = { messages: [{ role: 'user', content: 'Hi' }] };

  it('opens on provider failures, stops calling the provider, and closes after a good probe', async () => {
    const changes: string[] = [];
    const breakers = createCircuitBreakers({ now, minimumCalls: 3, failureRate: 0.6, cooldownMs: 10_000, onStateChange: (change) => changes.push(change.to) });
    const model = withCircuitBreaker(fromAiSdk(create(server)), breakers);
    server.enqueue({ fault: 'server-error', status: 503 }, { fault: 'html' }, { fault: 'rate-limit', retryAfterSeconds: 1 });
    for (const expected of ['MODEL_UNAVAILABLE', 'MODEL_RESPONSE_INVALID', 'MODEL_RATE_LIMITED']) {
      await expect(model.generate(request)).rejects.toMatchObject({ code: expected });
    }
    expect(breakers.list()).toEqual([{ provider: model.provider, modelId: model.modelId, state: 'open' }]);
    await expect(model.generate(request)).rejects.toMatchObject({ code: 'MODEL_CIRCUIT_OPEN' });
    expect(server.requests).toHaveLength(3);

    clock += 10_000;
    server.enqueue({ text: 'Back again' });
    expect((await model.generate(request)).text).toBe('Back again');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('does not count errors about the request itself', async () => {
    const breakers = createCircuitBreakers({ now, minimumCalls: 2, failureRate: 0.5 });
    const model = withCircuitBreaker(fromAiSdk(create(server)), breakers);
    server.enqueue({ fault: 'bad-request' }, { fault: 'context-length' }, { fault: 'content-policy' });
    for (let index = 0; index < 3; index++) await expect(model.generate(request)).rejects.toBeInstanceOf(Error);
    expect(breakers.get(model.provider, model.modelId).state()).toBe('closed');
  });

  it('counts a stream cut mid-way as a failure', async () => {
    const breakers = createCircuitBreakers({ now, minimumCalls: 1 });
    const model = withCircuitBreaker(fromAiSdk(create(server)), breakers);
    server.enqueue({ fault: 'cut-stream', afterChunks: 5, text: 'one two three four five six' });
    await expect(
      (async () => {
        for await (const _part of model.stream?.(request) ?? []) {
          // read until it breaks
        }
      })(),
    ).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect(breakers.get(model.provider, model.modelId).state()).toBe('open');
  });
});
