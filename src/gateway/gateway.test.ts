import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineAgent } from '../sdk/define-agent.ts';
import { startFakeModelServer, type FakeModelServer } from '../testing/index.ts';
import type { Logger } from '../telemetry/logger.ts';
import { createGateway } from './gateway.ts';
import type { ModelRequest } from './model.ts';
import { resolveModel } from './resolve-model.ts';

let server: FakeModelServer;
let lines: Array<{ level: string; message: string; fields: Record<string, unknown> }>;
beforeEach(async () => {
  server = await startFakeModelServer();
  lines = [];
});
afterEach(async () => {
  await server.close();
});

function recordingLogger(): Logger {
  const record = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push({ level, message, fields });
  return { warn: record('warn'), info: record('info') } as unknown as Logger;
}

const request: ModelRequest = { messages: [{ role: 'user', content: 'Hi' }] };

describe('createGateway', () => {
  it('logs retries, breaker state changes and fallbacks, and shares breakers between agents', async () => {
    const gateway = createGateway({
      resolve: (reference) =>
        resolveModel(reference, {
          env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.openaiBaseURL, ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: server.anthropicBaseURL },
        }),
      retry: { maxAttempts: 2, sleep: () => Promise.resolve() },
      breaker: { minimumCalls: 2, failureRate: 1, cooldownMs: 60_000 },
      logger: recordingLogger(),
    });
    const first = gateway.modelFor(defineAgent({ name: 'first', model: 'openai:gpt-4o-mini', fallbacks: ['anthropic:claude-haiku-4-5'], instructions: '' }));
    const second = gateway.modelFor(defineAgent({ name: 'second', model: 'openai:gpt-4o-mini', instructions: '' }));
    server.enqueue({ fault: 'server-error' }, { fault: 'server-error' }, { text: 'From Anthropic' });
    expect((await first.generate(request)).text).toBe('From Anthropic');
    expect(lines.map((line) => `${line.level} ${line.message}`)).toEqual(['warn model call retried', 'warn circuit breaker open', 'warn model fallback']);
    expect(lines[0]?.fields).toMatchObject({ provider: 'openai', modelId: 'gpt-4o-mini', attempt: 1, code: 'MODEL_UNAVAILABLE' });
    expect(lines[2]?.fields).toMatchObject({ from: { modelId: 'gpt-4o-mini' }, to: { modelId: 'claude-haiku-4-5' }, code: 'MODEL_UNAVAILABLE' });

    // The other agent's calls to the same model meet the same open breaker, without a request.
    await expect(second.generate(request)).rejects.toMatchObject({ code: 'MODEL_CIRCUIT_OPEN' });
    expect(server.requests).toHaveLength(3);
    expect(gateway.breakers.list()).toEqual(
      expect.arrayContaining([
        { provider: 'openai', modelId: 'gpt-4o-mini', state: 'open' },
        { provider: 'anthropic', modelId: 'claude-haiku-4-5', state: 'closed' },
      ]),
    );
  });

  it('applies the agent timeouts to every model of the chain', async () => {
    const gateway = createGateway({
      resolve: (reference) =>
        resolveModel(reference, {
          env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.openaiBaseURL, ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: server.anthropicBaseURL },
        }),
      retry: { maxAttempts: 1 },
    });
    const model = gateway.modelFor(
      defineAgent({
        name: 'timed',
        model: 'openai:gpt-4o-mini',
        fallbacks: ['anthropic:claude-haiku-4-5'],
        modelSettings: { firstTokenTimeoutMs: 100 },
        instructions: '',
      }),
    );
    server.enqueue({ fault: 'hang' }, { fault: 'hang' });
    const events: string[] = [];
    const parts: string[] = [];
    await expect(
      (async () => {
        for await (const part of model.stream?.({ ...request, call: { onFallback: (event) => events.push(String(event.error.details?.timeout)) } }) ?? [])
          parts.push(part.type);
      })(),
    ).rejects.toMatchObject({ code: 'MODEL_TIMEOUT', details: { timeout: 'first-token', modelId: 'claude-haiku-4-5' } });
    expect(events).toEqual(['first-token']);
    expect(parts).toEqual([]);
  });
});
