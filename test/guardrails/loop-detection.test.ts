import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { startFakeModelServer, type FakeModelServer } from '../../src/testing/index.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';

/**
 * A model that repeats the identical tool call forever, on an agent with no guardrail configured
 * and a limit of 200 steps: loop detection, on by default, hints and then stops it long before.
 */
let server: FakeModelServer;
let harness: TestRuntime | undefined;
beforeAll(async () => {
  server = await startFakeModelServer({ responder: () => ({ toolCalls: [{ name: 'check_status', arguments: { orderId: '1001' } }] }) });
});
afterAll(async () => server.close());
afterEach(async () => harness?.close());

it('hints, then stops a looping agent with no guardrail configured, running the repeated call at most 10 times', async () => {
  let executions = 0;
  const checkStatus = defineTool({
    name: 'check_status',
    description: 'Check an order',
    input: z.object({ orderId: z.string() }),
    effect: 'read',
    execute: () => {
      executions += 1;
      return { status: 'processing' };
    },
  });
  const agent = defineAgent({
    name: 'looper',
    model: 'openai:gpt-4o-mini',
    instructions: 'Help.',
    tools: [checkStatus],
    limits: { maxSteps: 200, maxToolCalls: 500 },
  });
  expect(agent.guardrails).toEqual({});
  harness = await createTestRuntime({ agents: [agent], providers: { openai: { baseURL: server.openaiBaseURL, apiKey: 'test' } } });

  const run = await harness.runtime.run({ agent: 'looper', input: 'Is order 1001 ready?', userId: 'ana' });
  expect(run.status).toBe('failed');
  expect(run.error).toMatchObject({ code: 'GUARDRAIL_BLOCKED', details: { guardrail: 'loop-detection' } });
  expect(executions).toBeGreaterThan(0);
  expect(executions).toBeLessThanOrEqual(10);

  const journal = await harness.store.readJournal(run.id);
  const decisions = journal.filter((entry) => entry.type === 'guardrail-decision');
  // Hints first (the call is not run and the model is told why), then the stop.
  expect(decisions.length).toBeGreaterThanOrEqual(2);
  expect(decisions.at(0)).toMatchObject({ boundary: 'tool-call', guardrail: 'loop-detection', verdict: 'block' });
  expect(decisions.at(0)).not.toHaveProperty('end');
  expect(decisions.at(-1)).toMatchObject({ guardrail: 'loop-detection', verdict: 'block', end: true });
  const hinted = journal.find((entry) => entry.type === 'tool-result' && entry.error?.code === 'GUARDRAIL_BLOCKED');
  expect(hinted).toMatchObject({ error: { message: expect.stringContaining('use the result you already have') } });
  const modelCalls = journal.filter((entry) => entry.type === 'model-response').length;
  expect(modelCalls).toBeLessThan(20);
});
