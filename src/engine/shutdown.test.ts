import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../sdk/define-agent.ts';
import { defineTool } from '../sdk/define-tool.ts';
import { scriptedModel } from '../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../testing/test-runtime.ts';
import { createRuntime } from '../keel.ts';
import { createSilentLogger } from '../telemetry/logger.ts';

let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
});

it('graceful shutdown finishes the step in flight, starts no new one, and releases the lease at once', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const toolStarted = new Promise<void>((resolve) => (started = resolve));
  const executions: string[] = [];
  const charge = defineTool({
    name: 'charge',
    description: 'Charges',
    input: z.object({}),
    effect: 'unsafe',
    execute: async () => {
      executions.push('charge');
      started();
      await gate;
      return { charged: true };
    },
  });
  const model = scriptedModel([{ toolCalls: [{ name: 'charge', arguments: {} }] }, { text: 'Charged.' }]);
  const agent = defineAgent({ name: 'a', model, instructions: '', tools: [charge] });
  harness = await createTestRuntime({ agents: [agent], leaseMs: 60_000 });
  const { run } = await harness.runtime.startRun({ agent: 'a', input: 'charge me' });
  harness.runtime.startWorker({ pollIntervalMs: 5 });
  await toolStarted;

  const closing = harness.runtime.close();
  release();
  await closing;

  const journal = await harness.store.readJournal(run.id);
  expect(journal.map((entry) => entry.type).slice(-2)).toEqual(['tool-start', 'tool-result']);
  expect((await harness.store.getRun('default', run.id))?.status).toBe('running');
  // Released, not merely expired: with a 60 s lease, another node can take it over right now.
  expect(await harness.store.countLiveLeases(new Date())).toBe(0);

  const successor = createRuntime({ config: harness.runtime.config, store: harness.store, logger: createSilentLogger() });
  const worker = successor.startWorker({ untilIdle: true, pollIntervalMs: 5 });
  await worker.done;
  await successor.close();
  expect((await harness.store.getRun('default', run.id))?.output).toBe('Charged.');
  expect(executions).toEqual(['charge']);
  model.assertConsumed();
});

it('refuses new runs once shutting down', async () => {
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model: scriptedModel([]), instructions: '' })] });
  await harness.runtime.close();
  await expect(harness.runtime.startRun({ agent: 'a', input: 'x' })).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
});

it('a run whose final answer arrives while draining still ends instead of being left running', async () => {
  let answering!: () => void;
  const modelCalled = new Promise<void>((resolve) => (answering = resolve));
  const model = scriptedModel([
    (request) => {
      answering();
      return { text: 'Final answer.', delayMs: 50, expect: () => expect(request.messages.length).toBeGreaterThan(0) };
    },
  ]);
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '' })] });
  const { run } = await harness.runtime.startRun({ agent: 'a', input: 'x' });
  harness.runtime.startWorker({ pollIntervalMs: 5 });
  await modelCalled;
  await harness.runtime.close();
  const finished = await harness.store.getRun('default', run.id);
  expect(finished?.status).toBe('completed');
  expect(finished?.output).toBe('Final answer.');
});
