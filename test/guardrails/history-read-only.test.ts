import { z } from 'zod';
import { expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineGuardrail } from '../../src/sdk/define-guardrail.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { createTestRuntime } from '../../src/testing/test-runtime.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';

/*
 * Every check of a run is handed the same history entries (they are built once per call), so
 * they are frozen: a guardrail that edits one in place (say, to redact before calling out) cannot
 * change what later checks see.
 */
it('a guardrail editing its history in place changes nothing later checks see: the entries are read-only', async () => {
  const seen: unknown[] = [];
  const refusedEdits: string[] = [];
  const redactingAudit = defineGuardrail({
    name: 'redacting-audit',
    boundaries: ['tool-call'],
    check(subject) {
      if (subject.boundary !== 'tool-call') return { verdict: 'allow' };
      seen.push(subject.history[0]?.output);
      for (const past of subject.history) {
        try {
          (past as { output?: unknown }).output = '[redacted]';
        } catch (error) {
          refusedEdits.push((error as Error).name);
        }
      }
      return { verdict: 'allow' };
    },
  });
  const status = defineTool({
    name: 'status',
    description: 'The state of a job',
    input: z.object({ n: z.number() }),
    effect: 'read',
    execute: ({ n }) => ({ state: `s${n}` }),
  });
  const agent = defineAgent({
    name: 'poller',
    instructions: 'Poll the job.',
    tools: [status],
    guardrails: { toolCall: [redactingAudit] },
    model: scriptedModel([
      { toolCalls: [{ name: 'status', arguments: { n: 1 } }] },
      { toolCalls: [{ name: 'status', arguments: { n: 2 } }] },
      { toolCalls: [{ name: 'status', arguments: { n: 3 } }] },
      { text: 'done' },
    ]),
  });
  const test = await createTestRuntime({ agents: [agent] });
  try {
    const result = await test.runtime.run({ agent: 'poller', input: 'go' });
    expect(result.status).toBe('completed');
    expect(seen).toEqual([undefined, { state: 's1' }, { state: 's1' }]);
    expect(refusedEdits).toEqual(['TypeError', 'TypeError', 'TypeError']);
  } finally {
    await test.close();
  }
});
