import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { asksForHuman } from '../../src/engine/escalation.ts';
import { defineAgent, type AgentOptions } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { scriptedModel, type ScriptStep } from '../../src/testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';

/**
 * The escalation triggers besides the model's own `escalate_to_human` (tested with the handoff
 * in escalations.test.ts): repeated tool failures, a confidence the answer reports below the
 * agent's threshold, a high-stakes message, and the cheap check for an explicit request for a
 * person. Each parks the run in `waiting: human` with its trigger named on the escalation.
 */
let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const flaky = defineTool({
  name: 'track_parcel',
  description: 'Track a parcel',
  input: z.object({ parcel: z.string() }),
  effect: 'read',
  execute: () => {
    throw new Error('the carrier is down');
  },
});

async function runOf(script: ScriptStep[], options: Partial<AgentOptions>, input: string) {
  const model = scriptedModel(script);
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'support', model, instructions: 'Help.', tools: [flaky], ...options })] });
  const run = await harness.runtime.run({ agent: 'support', input, userId: 'ana' });
  const escalations = (await harness.store.listEscalations('default', { runId: run.id })).escalations;
  return { run, escalations, model };
}

it('escalates after afterToolFailures failed tool calls', async () => {
  const { run, escalations, model } = await runOf(
    [{ toolCalls: [{ name: 'track_parcel', arguments: { parcel: 'P1' } }] }, { toolCalls: [{ name: 'track_parcel', arguments: { parcel: 'P1-retry' } }] }],
    { escalation: { afterToolFailures: 2 } },
    'Where is parcel P1?',
  );
  expect([run.status, run.waitingReason]).toEqual(['waiting', 'human']);
  expect(escalations).toEqual([expect.objectContaining({ trigger: 'repeated-failure', reason: '2 tool calls failed' })]);
  expect(model.requests).toHaveLength(2);
});

it('counts answers the output schema rejected as failures: a run that keeps failing reaches a person before it fails', async () => {
  const output = z.object({ answer: z.string() });
  const { run, escalations, model } = await runOf(
    [{ text: 'Tuesday, probably' }, { text: '{"answer": 42}' }],
    { output, escalation: { afterToolFailures: 2 }, limits: { maxOutputRepairs: 5 } },
    'When does it arrive?',
  );
  expect([run.status, run.waitingReason]).toEqual(['waiting', 'human']);
  expect(escalations).toEqual([expect.objectContaining({ trigger: 'repeated-failure', reason: '2 answers did not match the output schema' })]);
  expect(model.requests).toHaveLength(2);
  const journal = await harness!.store.readJournal(run.id);
  expect(journal.filter((entry) => entry.type === 'output-rejected').map((entry) => entry.repairAttempt)).toEqual([1, 2]);
});

it('adds failed tool calls and rejected answers together', async () => {
  const { escalations } = await runOf(
    [{ toolCalls: [{ name: 'track_parcel', arguments: { parcel: 'P1' } }] }, { text: 'not json' }],
    { output: z.object({ answer: z.string() }), escalation: { afterToolFailures: 2 } },
    'Where is parcel P1?',
  );
  expect(escalations).toEqual([
    expect.objectContaining({ trigger: 'repeated-failure', reason: '1 tool call failed and 1 answer did not match the output schema' }),
  ]);
});

it('fails a run whose answers keep failing the schema when escalation is off, as before', async () => {
  const { run } = await runOf([{ text: 'a' }, { text: 'b' }, { text: 'c' }], { output: z.object({ answer: z.string() }) }, 'When?');
  expect(run.status).toBe('failed');
  expect(run.error).toMatchObject({ code: 'OUTPUT_INVALID' });
});

it('escalates an answer whose confidence is below confidenceBelow, and delivers one above it', async () => {
  const output = z.object({ answer: z.string(), confidence: z.number() });
  const unsure = await runOf(
    [{ text: JSON.stringify({ answer: 'Maybe Tuesday', confidence: 0.3 }) }],
    { output, escalation: { confidenceBelow: 0.6 } },
    'When does it arrive?',
  );
  expect([unsure.run.status, unsure.run.waitingReason]).toEqual(['waiting', 'human']);
  expect(unsure.escalations).toEqual([expect.objectContaining({ trigger: 'low-confidence', reason: "The agent's confidence (0.3) is below 0.6" })]);
  await harness?.close();

  const sure = await runOf(
    [{ text: JSON.stringify({ answer: 'Tuesday', confidence: 0.9 }) }],
    { output, escalation: { confidenceBelow: 0.6 } },
    'When does it arrive?',
  );
  expect([sure.run.status, sure.run.output]).toEqual(['completed', { answer: 'Tuesday', confidence: 0.9 }]);
  expect(sure.escalations).toEqual([]);
});

it('hands a high-stakes message to a person before any model call', async () => {
  const { run, escalations, model } = await runOf(
    [],
    { escalation: { highStakes: (text) => /\blawyer|lawsuit\b/i.test(text) } },
    'My lawyer will hear about this parcel',
  );
  expect([run.status, run.waitingReason]).toEqual(['waiting', 'human']);
  expect(escalations).toEqual([expect.objectContaining({ trigger: 'high-stakes' })]);
  expect(model.requests).toHaveLength(0);
});

it('checks only an escalation-enabled agent’s input for a request for a person', async () => {
  const asked = await runOf([], { escalation: {} }, 'Can I speak to a human please?');
  expect(asked.escalations).toEqual([expect.objectContaining({ trigger: 'user-request' })]);
  expect(asked.model.requests).toHaveLength(0);
  await harness?.close();

  const disabled = await runOf([{ text: 'I can help you here.' }], {}, 'Can I speak to a human please?');
  expect([disabled.run.status, disabled.escalations]).toEqual(['completed', []]);
});

it.each([
  ['Can I talk to a real person?', true],
  ['get me a human now', true],
  ['I want to speak to a representative', true],
  ['agent please', true],
  ['How do I kill a Python process?', false],
  ['The human resources page is broken', false],
  ['Which agent framework do you use?', false],
])('asksForHuman(%j) is %s', (text, expected) => {
  expect(asksForHuman(text)).toBe(expected);
});
