import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KeelError } from '../errors/index.ts';
import { defineAgent } from '../sdk/define-agent.ts';
import { defineTool, TransientToolError } from '../sdk/define-tool.ts';
import { scriptedModel } from '../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../testing/test-runtime.ts';
import type { JournalEntry } from '../journal/events.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';

let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function journalOf(runId: string): Promise<JournalEntry[]> {
  if (harness === undefined) throw new Error('no harness');
  return await harness.store.readJournal(runId);
}

const orders = new Map([['1001', { status: 'shipped' }]]);
const lookupOrder = defineTool({
  name: 'lookup_order',
  description: 'Find an order',
  input: z.object({ orderId: z.string() }),
  effect: 'read',
  execute: ({ orderId }) => orders.get(orderId) ?? { error: 'not found' },
});

describe('the agent loop', () => {
  it('answers in one step and records the final output and usage', async () => {
    const model = scriptedModel([{ text: 'Hello!', usage: { inputTokens: 7, outputTokens: 3 } }]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'greeter', model, instructions: 'Greet.' })] });
    const run = await harness.runtime.run({ agent: 'greeter', input: 'hi', userId: 'u1' });
    expect(run.status).toBe('completed');
    expect(run.output).toBe('Hello!');
    expect(run.usage).toEqual({ inputTokens: 7, outputTokens: 3, cachedTokens: 0 });
    expect((await journalOf(run.id)).map((entry) => entry.type)).toEqual(['run-start', 'step-start', 'model-response', 'usage-update', 'run-end']);
    expect(model.requests[0]?.messages[0]).toEqual({ role: 'system', content: 'Greet.' });
    model.assertConsumed();
  });

  it('calls tools in parallel, feeds results back, and journals intent, start and result for each', async () => {
    const model = scriptedModel([
      {
        toolCalls: [
          { name: 'lookup_order', arguments: { orderId: '1001' } },
          { name: 'lookup_order', arguments: { orderId: '9' } },
        ],
      },
      {
        text: 'Order 1001 has shipped.',
        expect: (request) => {
          const toolMessages = request.messages.filter((message) => message.role === 'tool');
          expect(toolMessages.map((message) => message.content)).toEqual([{ status: 'shipped' }, { error: 'not found' }]);
        },
      },
    ]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'support', model, instructions: 'Help.', tools: [lookupOrder] })] });
    const run = await harness.runtime.run({ agent: 'support', input: 'Where is 1001?' });
    expect(run.status).toBe('completed');
    const types = (await journalOf(run.id)).map((entry) => entry.type);
    expect(types.filter((type) => type === 'tool-call')).toHaveLength(2);
    expect(types.filter((type) => type === 'tool-start')).toHaveLength(2);
    expect(types.filter((type) => type === 'tool-result')).toHaveLength(2);
    model.assertConsumed();
  });

  it('returns invalid arguments, unknown tools and broken JSON to the model as errors it can correct', async () => {
    const model = scriptedModel([
      {
        toolCalls: [
          { name: 'lookup_order', arguments: { orderId: 42 } },
          { name: 'delete_everything', arguments: {} },
          { name: 'lookup_order', arguments: '{"orderId": "10' },
        ],
      },
      {
        expect: (request) => {
          const errors = request.messages.flatMap((message) => (message.role === 'tool' && message.isError === true ? [message.content] : []));
          expect(errors.map((error) => (error as { error: { code: string } }).error.code)).toEqual([
            'TOOL_INPUT_INVALID',
            'TOOL_NOT_FOUND',
            'TOOL_INPUT_INVALID',
          ]);
        },
        text: 'Sorry, let me try again later.',
      },
    ]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'support', model, instructions: 'Help.', tools: [lookupOrder] })] });
    const run = await harness.runtime.run({ agent: 'support', input: 'x' });
    expect(run.status).toBe('completed');
    model.assertConsumed();
  });

  it('reports a tool that throws as a TOOL_FAILED result and retries transient errors with the same key', async () => {
    const keys: string[] = [];
    let calls = 0;
    const flaky = defineTool({
      name: 'flaky',
      description: 'Fails twice then works',
      input: z.object({}),
      effect: 'idempotent',
      retry: { maxAttempts: 3, initialDelayMs: 1 },
      execute: (_input, context) => {
        keys.push(context.idempotencyKey);
        calls += 1;
        if (calls < 3) throw new TransientToolError('try again');
        return { ok: true };
      },
    });
    const broken = defineTool({
      name: 'broken',
      description: 'Always throws',
      input: z.object({}),
      effect: 'read',
      execute: () => {
        throw new Error('database exploded');
      },
    });
    const model = scriptedModel([
      {
        toolCalls: [
          { name: 'flaky', arguments: {} },
          { name: 'broken', arguments: {} },
        ],
      },
      { text: 'done' },
    ]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [flaky, broken] })] });
    const run = await harness.runtime.run({ agent: 'a', input: 'go' });
    expect(run.status).toBe('completed');
    expect(calls).toBe(3);
    expect(new Set(keys).size).toBe(1);
    const results = (await journalOf(run.id)).filter((entry) => entry.type === 'tool-result');
    expect(results.map((entry) => (entry.type === 'tool-result' ? (entry.error?.code ?? 'ok') : ''))).toEqual(expect.arrayContaining(['ok', 'TOOL_FAILED']));
    model.assertConsumed();
  });

  it('times out a hanging tool, aborting its signal', async () => {
    let aborted = false;
    const hang = defineTool({
      name: 'hang',
      description: 'Never returns',
      input: z.object({}),
      effect: 'read',
      timeoutMs: 50,
      execute: (_input, context) =>
        new Promise(() => {
          context.signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
    });
    const model = scriptedModel([{ toolCalls: [{ name: 'hang', arguments: {} }] }, { text: 'gave up' }]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [hang] })] });
    const run = await harness.runtime.run({ agent: 'a', input: 'go' });
    expect(run.status).toBe('completed');
    expect(aborted).toBe(true);
    const result = (await journalOf(run.id)).find((entry) => entry.type === 'tool-result');
    expect(result?.type === 'tool-result' ? result.error?.code : undefined).toBe('TOOL_TIMEOUT');
  });

  it('validates a structured final answer and repairs it within the bound', async () => {
    const output = z.object({ answer: z.string(), confidence: z.number() });
    const model = scriptedModel([
      { text: 'Sure! The answer is 4.' },
      { text: '{"answer": "4"}' },
      { text: '```json\n{"answer": "4", "confidence": 0.9}\n```' },
    ]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: 'Answer.', output })] });
    const run = await harness.runtime.run({ agent: 'a', input: '2+2?' });
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ answer: '4', confidence: 0.9 });
    expect((await journalOf(run.id)).filter((entry) => entry.type === 'output-rejected')).toHaveLength(2);
    model.assertConsumed();
  });

  it('fails with OUTPUT_INVALID when repairs run out', async () => {
    const model = scriptedModel([{ text: 'nope' }, { text: 'still no' }]);
    const agent = defineAgent({ name: 'a', model, instructions: '', output: z.object({ x: z.number() }), limits: { maxOutputRepairs: 1 } });
    harness = await createTestRuntime({ agents: [agent] });
    const run = await harness.runtime.run({ agent: 'a', input: 'x' });
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('OUTPUT_INVALID');
    model.assertConsumed();
  });

  it('enforces maxSteps and maxToolCalls', async () => {
    const loop = { toolCalls: [{ name: 'lookup_order', arguments: { orderId: '1001' } }] };
    const stepsModel = scriptedModel([loop, loop]);
    const callsModel = scriptedModel([{ toolCalls: [loop.toolCalls[0]!, loop.toolCalls[0]!, loop.toolCalls[0]!] }]);
    harness = await createTestRuntime({
      agents: [
        defineAgent({ name: 'steps', model: stepsModel, instructions: '', tools: [lookupOrder], limits: { maxSteps: 2 } }),
        defineAgent({ name: 'calls', model: callsModel, instructions: '', tools: [lookupOrder], limits: { maxToolCalls: 2 } }),
      ],
    });
    const steps = await harness.runtime.run({ agent: 'steps', input: 'x' });
    expect(steps.error?.code).toBe('MAX_STEPS_EXCEEDED');
    const calls = await harness.runtime.run({ agent: 'calls', input: 'x' });
    expect(calls.error?.code).toBe('MAX_TOOL_CALLS_EXCEEDED');
    stepsModel.assertConsumed();
    callsModel.assertConsumed();
  });

  it('fails a run that exceeds its time limit, aborting the model call in flight', async () => {
    const model = scriptedModel([{ text: 'too late', delayMs: 5_000 }]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', limits: { timeoutMs: 100 } })] });
    const run = await harness.runtime.run({ agent: 'a', input: 'x' });
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('RUN_TIMEOUT');
  });

  it('records a model failure with its catalogued code', async () => {
    const model = scriptedModel([{ error: new KeelError({ code: 'MODEL_AUTH_FAILED', message: 'bad key' }) }]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '' })] });
    const run = await harness.runtime.run({ agent: 'a', input: 'x' });
    expect(run.status).toBe('failed');
    expect(run.error).toEqual({ code: 'MODEL_AUTH_FAILED', message: 'bad key' });
  });

  it('journals streamed text in batches, not one event per token, and the batches add up to the answer', async () => {
    const text = 'word '.repeat(400);
    const model = scriptedModel([{ text, delayMs: 0 }], { stream: true, chunkSize: 1 });
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '' })] });
    const run = await harness.runtime.run({ agent: 'a', input: 'x' });
    const deltas = (await journalOf(run.id)).flatMap((entry) => (entry.type === 'text-delta' ? [entry.text] : []));
    expect(deltas.join('')).toBe(text);
    expect(deltas.length).toBeLessThan(50);
  });
});

describe('sessions', () => {
  it('runs one run at a time per session and carries the conversation to the next run', async () => {
    const model = scriptedModel([
      { text: 'Nice to meet you, Ada.' },
      {
        expect: (request) => {
          expect(request.messages.map((message) => message.content)).toEqual(['', 'I am Ada', 'Nice to meet you, Ada.', 'What is my name?']);
        },
        text: 'Ada.',
      },
    ]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '' })] });
    const first = await harness.runtime.startRun({ agent: 'a', input: 'I am Ada', sessionId: 's1', userId: 'u1' });
    const second = await harness.runtime.startRun({ agent: 'a', input: 'What is my name?', sessionId: 's1', userId: 'u1' });
    // The second run is queued behind the first: it cannot be claimed yet.
    expect(await harness.store.claimRun(second.run.id, { owner: 'other', leaseMs: 1000, now: new Date() })).toBeUndefined();
    const worker = harness.runtime.startWorker({ untilIdle: true, pollIntervalMs: 10 });
    await worker.done;
    expect((await harness.runtime.getRun(first.run.id)).status).toBe('completed');
    expect((await harness.runtime.getRun(second.run.id)).output).toBe('Ada.');
    model.assertConsumed();
  });

  it('rejects a second message with SESSION_BUSY when the agent says so', async () => {
    const model = scriptedModel([]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', sessionPolicy: 'reject' })] });
    await harness.runtime.startRun({ agent: 'a', input: 'one', sessionId: 's', userId: 'u' });
    await expect(harness.runtime.startRun({ agent: 'a', input: 'two', sessionId: 's', userId: 'u' })).rejects.toMatchObject({ code: 'SESSION_BUSY' });
  });
});

describe('cancellation and bad input', () => {
  it('cancels a run mid-tool: the tool sees its signal abort and the run ends cancelled', async () => {
    let started!: () => void;
    const toolStarted = new Promise<void>((resolve) => (started = resolve));
    let sawAbort = false;
    const slow = defineTool({
      name: 'slow',
      description: 'Slow',
      input: z.object({}),
      effect: 'read',
      execute: (_input, context) =>
        new Promise((_resolve, reject) => {
          started();
          context.signal.addEventListener('abort', () => {
            sawAbort = true;
            reject(new Error('aborted'));
          });
        }),
    });
    const model = scriptedModel([{ toolCalls: [{ name: 'slow', arguments: {} }] }]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [slow] })] });
    const { run } = await harness.runtime.startRun({ agent: 'a', input: 'x' });
    const execution = harness.runtime.executeRun(run.id);
    await toolStarted;
    await harness.runtime.cancelRun(run.id);
    const finished = await execution;
    expect(finished.status).toBe('cancelled');
    expect(sawAbort).toBe(true);
    await expect(harness.runtime.cancelRun(run.id)).rejects.toMatchObject({ code: 'RUN_NOT_CANCELLABLE' });
  });

  it('cancels a queued run that nobody executes', async () => {
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model: scriptedModel([]), instructions: '' })] });
    const { run } = await harness.runtime.startRun({ agent: 'a', input: 'x' });
    expect((await harness.runtime.cancelRun(run.id)).status).toBe('cancelled');
  });

  it('rejects unknown agents, empty input and unknown runs with catalogued codes and writes nothing', async () => {
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model: scriptedModel([]), instructions: '' })] });
    await expect(harness.runtime.startRun({ agent: 'nope', input: 'x' })).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    await expect(harness.runtime.startRun({ agent: 'a', input: '  ' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(harness.runtime.getRun('run_missing')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    expect((await harness.runtime.listRuns()).runs).toHaveLength(0);
  });

  it('returns the same run for the same idempotency key', async () => {
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model: scriptedModel([]), instructions: '' })] });
    const [one, two] = await Promise.all([
      harness.runtime.startRun({ agent: 'a', input: 'x', idempotencyKey: 'k1' }),
      harness.runtime.startRun({ agent: 'a', input: 'x', idempotencyKey: 'k1' }),
    ]);
    expect(one.run.id).toBe(two.run.id);
    expect([one.created, two.created].sort()).toEqual([false, true]);
  });
});

describe('cost', () => {
  it('prices each call from the catalogue, exactly, and parks the run in waiting: budget before its own cap is exceeded', async () => {
    // gpt-4o-mini: 150 nanodollars per input token, 600 per output token.
    const usage = { inputTokens: 20, outputTokens: 50 };
    const model = scriptedModel([{ toolCalls: [{ name: 'lookup_order', arguments: { orderId: '1001' } }], usage }], {
      provider: 'openai',
      modelId: 'gpt-4o-mini',
    });
    const agent = defineAgent({
      name: 'a',
      model,
      instructions: '',
      tools: [lookupOrder],
      modelSettings: { maxOutputTokens: 50 },
      budget: { perRunUsd: 0.00005 },
    });
    harness = await createTestRuntime({ agents: [agent] });
    const run = await harness.runtime.run({ agent: 'a', input: 'x' });
    expect(run.status).toBe('waiting');
    expect(run.waitingReason).toBe('budget');
    expect(run.costUsd).toBe((20 * 150 + 50 * 600) / 1e9);
    const waiting = (await journalOf(run.id)).at(-1);
    expect(waiting).toMatchObject({ type: 'run-waiting', reason: 'budget', details: { scope: 'run', limitUsd: 0.00005 } });
    model.assertConsumed();
  });
});

describe('journal batching', () => {
  it("commits a read tool's result with the next write, yet within a bound when the next model call is slow", async () => {
    const model = scriptedModel([{ toolCalls: [{ name: 'lookup_order', arguments: { orderId: '1001' } }] }, { text: 'Shipped.', delayMs: 60_000 }]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [lookupOrder] })] });
    const { run } = await harness.runtime.startRun({ agent: 'a', input: 'x' });
    const execution = harness.runtime.executeRun(run.id);
    for (let waited = 0; waited < 10_000; waited += 10) {
      if ((await journalOf(run.id)).some((entry) => entry.type === 'tool-result')) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Durable while the second model call is still in flight (it answers only after a minute).
    expect((await journalOf(run.id)).map((entry) => entry.type)).toEqual([
      'run-start',
      'step-start',
      'model-response',
      'usage-update',
      'tool-call',
      'tool-start',
      'tool-result',
      'step-start',
    ]);
    expect(model.requests).toHaveLength(2);
    await harness.runtime.cancelRun(run.id);
    expect((await execution).status).toBe('cancelled');
  });
});

describe('executing a run in this process', () => {
  it("waits its turn behind the session's earlier run, then executes it here without a worker", async () => {
    const model = scriptedModel([{ text: 'first' }, { text: 'second' }]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '' })] });
    const first = await harness.runtime.startRun({ agent: 'a', input: 'one', sessionId: 's', userId: 'u' });
    const second = await harness.runtime.startRun({ agent: 'a', input: 'two', sessionId: 's', userId: 'u' });
    // Asked for the second run first: it must not run ahead of the first, nor wait forever.
    const secondDone = harness.runtime.executeRun(second.run.id);
    const firstDone = await harness.runtime.executeRun(first.run.id);
    expect(firstDone.output).toBe('first');
    expect((await secondDone).output).toBe('second');
    model.assertConsumed();
  });
});

describe('letting go of the lease', () => {
  it('lets go in the commit that ends or parks the run, with no release after it, and a parked run resumes at once elsewhere', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-let-go-'));
    const store = createSqliteStore({ path: join(directory, 'keel.db') });
    try {
      await store.migrate();
      let releases = 0;
      const counted: Store = { ...store, releaseLease: (...args) => ((releases += 1), store.releaseLease(...args)) };
      const refund = defineTool({
        name: 'issue_refund',
        description: 'Refund',
        input: z.object({ orderId: z.string() }),
        effect: 'unsafe',
        approval: 'always',
        execute: () => ({ refunded: true }),
      });
      const model = scriptedModel([{ text: 'Hello!' }, { toolCalls: [{ name: 'issue_refund', arguments: { orderId: '1' } }] }]);
      harness = await createTestRuntime({ store: counted, agents: [defineAgent({ name: 'support', model, instructions: 'Help.', tools: [refund] })] });

      const ended = await harness.runtime.run({ agent: 'support', input: 'hi' });
      const parked = await harness.runtime.run({ agent: 'support', input: 'refund order 1' });
      expect([ended.status, parked.status, parked.waitingReason]).toEqual(['completed', 'waiting', 'approval']);
      expect(releases).toBe(0);
      // Nobody holds the parked run any more: another worker may take it up the moment it is decided.
      const resumed = await store.claimRun(parked.id, { owner: 'another-node', leaseMs: 60_000, now: new Date(), includeWaiting: true });
      expect(resumed?.runId).toBe(parked.id);
    } finally {
      await harness?.close();
      harness = undefined;
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
