import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../sdk/define-agent.ts';
import { defineTool } from '../sdk/define-tool.ts';
import { createFakeClock } from '../testing/fake-clock.ts';
import { scriptedModel } from '../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../testing/test-runtime.ts';

let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

it("reports a tool output the journal cannot encode as the tool's error, once, instead of failing every commit", async () => {
  const bigint = defineTool({ name: 'balance', description: 'Balance', input: z.object({}), effect: 'read', execute: () => ({ cents: 10n }) });
  const model = scriptedModel([
    { toolCalls: [{ name: 'balance', arguments: {} }] },
    {
      expect: (request) => expect(request.messages.at(-1)).toMatchObject({ role: 'tool', isError: true, content: { error: { code: 'TOOL_OUTPUT_INVALID' } } }),
      text: 'Could not read the balance.',
    },
  ]);
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [bigint] })] });
  const run = await harness.runtime.run({ agent: 'a', input: 'balance?' });
  expect(run.status).toBe('completed');
  model.assertConsumed();
});

it('fails a run whose agent is no longer configured, instead of claiming and releasing it forever', async () => {
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'current', model: scriptedModel([]), instructions: '' })] });
  await harness.store.createRun({
    id: 'run_orphan',
    tenantId: 'default',
    agent: 'renamed-away',
    sessionId: 's',
    userId: 'u',
    input: 'x',
    sessionPolicy: 'queue',
    now: new Date(),
  });
  const worker = harness.runtime.startWorker({ untilIdle: true, pollIntervalMs: 5 });
  await worker.done;
  const run = await harness.runtime.getRun('run_orphan');
  expect(run.status).toBe('failed');
  expect(run.error?.code).toBe('AGENT_NOT_FOUND');
});

it("does not count time spent waiting against the run's time limit", async () => {
  const clock = createFakeClock(new Date());
  // Priced from the catalogue, so a zero budget parks its first call.
  const model = scriptedModel([{ text: 'Done.' }], { provider: 'openai', modelId: 'gpt-4o-mini' });
  const agent = defineAgent({ name: 'a', model, instructions: '', modelSettings: { maxOutputTokens: 50 }, limits: { timeoutMs: 60_000 } });
  harness = await createTestRuntime({ agents: [agent], now: clock.now });
  await harness.store.putBudget({ tenantId: 'default', scope: 'user', scopeId: 'u', limitNanoUsd: 0, period: 'total', now: clock.now() });
  const { run } = await harness.runtime.startRun({ agent: 'a', input: 'x', userId: 'u' });
  const parked = await harness.runtime.executeRun(run.id);
  expect(parked).toMatchObject({ status: 'waiting', waitingReason: 'budget' });

  clock.advance(10 * 60_000); // ten minutes waiting for money, far past the 60 s limit
  await harness.store.putBudget({ tenantId: 'default', scope: 'user', scopeId: 'u', limitNanoUsd: 1e9, period: 'total', now: clock.now() });
  expect(await harness.store.requeueWaiting('default', 'budget')).toEqual([run.id]);
  const finished = await harness.runtime.executeRun(run.id);
  expect(finished.error).toBeNull();
  expect(finished).toMatchObject({ status: 'completed', output: 'Done.' });
  model.assertConsumed();
});
