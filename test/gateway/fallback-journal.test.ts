import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { startFakeModelServer, type FakeModelServer } from '../../src/testing/index.ts';
import type { TestRuntime } from '../../src/testing/test-runtime.ts';
import { ofType, runtimeAgainst, wireProtocols } from './helpers.ts';

let server: FakeModelServer;
let harness: TestRuntime | undefined;
beforeEach(async () => {
  server = await startFakeModelServer();
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await server.close();
});

const lookupOrder = defineTool({
  name: 'lookup_order',
  description: 'Find an order by id',
  input: z.object({ orderId: z.string() }),
  effect: 'read',
  execute: ({ orderId }) => ({ orderId, status: 'shipped' }),
});

describe.each(wireProtocols)('an agent on $name', ({ model, other, otherPath }) => {
  it('falls back on a 5xx, journals the switch, and records the fallback as the answering model', async () => {
    const agent = defineAgent({ name: 'support', model, fallbacks: [other], instructions: 'Help.' });
    harness = await runtimeAgainst(server, [agent]);
    server.enqueue({ fault: 'server-error', status: 503 }, { text: 'Your order shipped.', usage: { inputTokens: 30, outputTokens: 5 } });
    const run = await harness.runtime.run({ agent: 'support', input: 'Where is my order?' });
    expect(run.status).toBe('completed');
    expect(run.output).toBe('Your order shipped.');
    const journal = await harness.store.readJournal(run.id);
    // Streamed text batches aside, the switch comes before the answer it led to.
    const types = journal.map((entry) => entry.type).filter((type) => type !== 'text-delta');
    expect(types).toEqual(['run-start', 'step-start', 'model-fallback', 'model-response', 'usage-update', 'run-end']);
    const [fallback] = ofType(journal, 'model-fallback');
    const [first, second] = [model, other].map((reference) => reference.split(':')[1]);
    expect(fallback).toMatchObject({ step: 1, from: { modelId: first }, to: { modelId: second }, error: { code: 'MODEL_UNAVAILABLE' } });
    expect(ofType(journal, 'model-response')[0]).toMatchObject({ modelId: second, usage: { inputTokens: 30, outputTokens: 5, cachedTokens: 0 } });
    expect(server.requests.at(-1)?.path).toBe(otherPath);
  });

  it.each([
    { fault: 'context-length' as const, code: 'MODEL_CONTEXT_TOO_LONG' },
    { fault: 'content-policy' as const, code: 'MODEL_CONTENT_FILTERED' },
  ])('falls back on $code', async ({ fault, code }) => {
    harness = await runtimeAgainst(server, [defineAgent({ name: 'support', model, fallbacks: [other], instructions: 'Help.' })]);
    server.enqueue({ fault }, { text: 'Handled elsewhere.' });
    const run = await harness.runtime.run({ agent: 'support', input: 'Hello' });
    expect(run.status).toBe('completed');
    expect(ofType(await harness.store.readJournal(run.id), 'model-fallback').map((entry) => entry.error.code)).toEqual([code]);
  });

  it('journals every switch and fails with the last error when the whole chain fails', async () => {
    harness = await runtimeAgainst(server, [defineAgent({ name: 'support', model, fallbacks: [other], instructions: 'Help.' })]);
    server.enqueue({ fault: 'rate-limit', retryAfterSeconds: 60 }, { fault: 'server-error', status: 502 });
    const run = await harness.runtime.run({ agent: 'support', input: 'Hello' });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    const journal = await harness.store.readJournal(run.id);
    expect(ofType(journal, 'model-fallback').map((entry) => entry.error.code)).toEqual(['MODEL_RATE_LIMITED']);
    expect(ofType(journal, 'model-response')).toEqual([]);
  });

  it('never journals a stream cut mid-way as a response', async () => {
    harness = await runtimeAgainst(server, [defineAgent({ name: 'support', model, instructions: 'Help.' })]);
    server.enqueue({ fault: 'cut-stream', afterChunks: 6, text: 'one two three four five six seven eight' });
    const run = await harness.runtime.run({ agent: 'support', input: 'Hello' });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect(ofType(await harness.store.readJournal(run.id), 'model-response')).toEqual([]);
  });

  it('starts a stream cut mid-way over as the next attempt, and journals only that attempt as the response', async () => {
    harness = await runtimeAgainst(server, [defineAgent({ name: 'support', model, instructions: 'Help.' })], {
      gateway: { retry: { maxAttempts: 2, sleep: () => Promise.resolve() } },
    });
    server.enqueue({ fault: 'cut-stream', afterChunks: 12, text: 'one two three four five six seven eight nine ten' }, { text: 'The complete answer.' });
    const run = await harness.runtime.run({ agent: 'support', input: 'Hello' });
    expect(run.status).toBe('completed');
    expect(run.output).toBe('The complete answer.');
    const journal = await harness.store.readJournal(run.id);
    expect(ofType(journal, 'step-start').map((entry) => entry.attempt)).toEqual([1, 2]);
    // Whatever text was journaled belongs to one attempt; the answer's text is all from the second.
    const secondAttemptText = ofType(journal, 'text-delta')
      .filter((entry) => entry.attempt === 2)
      .map((entry) => entry.text)
      .join('');
    expect(secondAttemptText).toBe('The complete answer.');
    expect(ofType(journal, 'model-response')).toHaveLength(1);
  });

  it('shows malformed tool-call JSON to the model as TOOL_INPUT_INVALID, and the model repairs it', async () => {
    harness = await runtimeAgainst(server, [defineAgent({ name: 'support', model, tools: [lookupOrder], instructions: 'Help.' })]);
    server.enqueue(
      { fault: 'malformed-tool-call' },
      { toolCalls: [{ name: 'lookup_order', arguments: { orderId: '1001' } }] },
      { text: 'Order 1001 has shipped.' },
    );
    const run = await harness.runtime.run({ agent: 'support', input: 'Where is order 1001?' });
    expect(run.status).toBe('completed');
    const results = ofType(await harness.store.readJournal(run.id), 'tool-result');
    expect(results.map((result) => result.error?.code ?? 'ok')).toEqual(['TOOL_INPUT_INVALID', 'ok']);
    // The second request carried the error back to the model.
    const second = server.requests[1];
    expect(second?.messages.find((message) => message.role === 'tool')?.content).toContain('TOOL_INPUT_INVALID');
  });

  it('retries an HTML error page, then fails with MODEL_RESPONSE_INVALID once the attempts are spent', async () => {
    harness = await runtimeAgainst(server, [defineAgent({ name: 'support', model, instructions: 'Help.' })], {
      gateway: { retry: { maxAttempts: 3, sleep: () => Promise.resolve() } },
    });
    server.enqueue({ fault: 'html' }, { fault: 'empty' }, { fault: 'html' }, { text: 'never sent' });
    const run = await harness.runtime.run({ agent: 'support', input: 'Hello' });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'MODEL_RESPONSE_INVALID' });
    expect(server.requests).toHaveLength(3);
  });
});
