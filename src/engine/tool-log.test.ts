import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../sdk/define-agent.ts';
import { defineTool } from '../sdk/define-tool.ts';
import { scriptedModel } from '../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../testing/test-runtime.ts';

let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

it("gives a tool's call its own logger when the tool first logs, and makes none for a call that never does", async () => {
  const lines: Array<Record<string, unknown>> = [];
  const children: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info', onChild: (child) => children.push(child.bindings()) },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const quiet = defineTool({ name: 'quiet', description: 'Never logs', input: z.object({}), effect: 'read', execute: () => 'ok' });
  const chatty = defineTool({
    name: 'chatty',
    description: 'Logs twice',
    input: z.object({}),
    effect: 'read',
    execute: (_input, ctx) => {
      ctx.log.info('first');
      const { log } = ctx;
      log.info('second');
      return 'ok';
    },
  });
  const model = scriptedModel([{ toolCalls: [{ name: 'quiet', arguments: {} }] }, { toolCalls: [{ name: 'chatty', arguments: {} }] }, { text: 'done' }]);
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [quiet, chatty] })], logger });

  const run = await harness.runtime.run({ agent: 'a', input: 'go' });
  expect(run.status).toBe('completed');
  const toolChildren = children.filter((bindings) => 'tool' in bindings);
  expect(toolChildren).toEqual([expect.objectContaining({ tool: 'chatty', attempt: 1 })]);
  const logged = lines.filter((line) => line.msg === 'first' || line.msg === 'second');
  expect(logged).toHaveLength(2);
  for (const line of logged) expect(line).toMatchObject({ tool: 'chatty', attempt: 1, runId: run.id, callId: toolChildren[0]?.callId });
});
