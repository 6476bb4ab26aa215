import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRuntime } from '../../src/keel.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineConfig } from '../../src/sdk/define-config.ts';
import { defineGuardrail, type AgentGuardrails, type GuardrailBoundary, type GuardrailVerdict } from '../../src/sdk/define-guardrail.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { scriptedModel, type ScriptStep } from '../../src/testing/scripted-model.ts';

/**
 * What each verdict does to a run, at the boundaries the built-ins' own tests reach least: a
 * guardrail of the user's (`defineGuardrail`) answers `block` (with and without a refusal),
 * `modify` or `escalate` at `input`, `model-output` and `output`; defaults from `defineConfig`
 * apply to every agent; and a journaled verdict is applied as it was given when the run goes on,
 * never asked again.
 */
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let refunds = 0;
const refund = defineTool({
  name: 'issue_refund',
  description: 'Refund an order',
  input: z.object({ orderId: z.string() }),
  effect: 'unsafe',
  execute: () => {
    refunds += 1;
    return { refunded: true };
  },
});

/** A guardrail at one boundary answering `verdict` (or `undefined`: allow), counting its checks. */
function judge(boundary: GuardrailBoundary, verdict: (text: string) => GuardrailVerdict | undefined) {
  const checked: string[] = [];
  const guardrail = defineGuardrail({
    name: 'judge',
    boundaries: [boundary],
    check(subject) {
      const text = 'text' in subject ? subject.text : '';
      checked.push(text);
      return verdict(text) ?? { verdict: 'allow' };
    },
  });
  return { guardrail, checked };
}

async function runtimeWith(options: { script: ScriptStep[]; guardrails?: AgentGuardrails; defaults?: AgentGuardrails; escalation?: boolean }) {
  const directory = mkdtempSync(join(tmpdir(), 'keel-verdicts-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const store = createSqliteStore({ path: join(directory, 'keel.db') });
  await store.migrate();
  cleanups.push(() => store.close());
  const model = scriptedModel(options.script);
  const agent = defineAgent({
    name: 'support',
    model,
    instructions: 'Help.',
    tools: [refund],
    ...(options.guardrails === undefined ? {} : { guardrails: options.guardrails }),
    ...(options.escalation === true ? { escalation: {} } : {}),
  });
  const runtime = createRuntime({
    config: defineConfig({ agents: [agent], ...(options.defaults === undefined ? {} : { guardrails: options.defaults }) }),
    store,
    logger: createSilentLogger(),
    env: {},
  });
  cleanups.push(() => runtime.close());
  const run = (input: string) => runtime.run({ agent: 'support', input, userId: 'ana' });
  const decisions = async (runId: string) => (await store.readJournal(runId)).filter((entry) => entry.type === 'guardrail-decision');
  return { runtime, store, model, run, decisions };
}

describe('input', () => {
  it('block with a refusal: the refusal is the answer and the model is never called', async () => {
    const { guardrail } = judge('input', () => ({ verdict: 'block', reason: 'off topic', refusal: 'I can only help with orders.' }));
    const test = await runtimeWith({ script: [], guardrails: { input: [guardrail] } });
    const run = await test.run('Write me a poem');
    expect([run.status, run.output]).toEqual(['completed', 'I can only help with orders.']);
    expect(test.model.requests).toHaveLength(0);
    expect(await test.decisions(run.id)).toEqual([expect.objectContaining({ boundary: 'input', guardrail: 'judge', verdict: 'block', reason: 'off topic' })]);
  });

  it('block without one: the run fails with GUARDRAIL_BLOCKED naming the guardrail', async () => {
    const { guardrail } = judge('input', () => ({ verdict: 'block', reason: 'off topic' }));
    const test = await runtimeWith({ script: [], guardrails: { input: [guardrail] } });
    const run = await test.run('Write me a poem');
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'GUARDRAIL_BLOCKED', details: { guardrail: 'judge' } });
    expect(test.model.requests).toHaveLength(0);
  });

  it('escalate: the run waits for a human; handed back, it goes on without asking the guardrail again', async () => {
    const { guardrail, checked } = judge('input', () => ({ verdict: 'escalate', reason: 'sounds like a legal threat' }));
    const test = await runtimeWith({ script: [{ text: 'A colleague looked at it: here is what we can do.' }], guardrails: { input: [guardrail] } });
    const parked = await test.run('I will sue you');
    expect([parked.status, parked.waitingReason]).toEqual(['waiting', 'human']);
    expect(test.model.requests).toHaveLength(0);
    const [escalation] = (await test.store.listEscalations('default', { runId: parked.id })).escalations;
    expect(escalation).toMatchObject({ trigger: 'guardrail', reason: 'judge: sounds like a legal threat' });

    await test.runtime.replyToEscalation(escalation!.id, { message: 'Go ahead and help.', handBack: true }, { actor: { kind: 'system', name: 'test' } });
    const done = await test.runtime.executeRun(parked.id);
    expect([done.status, done.output]).toEqual(['completed', 'A colleague looked at it: here is what we can do.']);
    expect(checked).toEqual(['I will sue you']);
    expect(await test.decisions(parked.id)).toHaveLength(1);
  });

  it('require-approval: with no call to approve, a person takes over as with escalate', async () => {
    const { guardrail } = judge('input', () => ({ verdict: 'require-approval', reason: 'a person should read this first' }));
    const test = await runtimeWith({ script: [], guardrails: { input: [guardrail] } });
    const parked = await test.run('Close my account');
    expect([parked.status, parked.waitingReason]).toEqual(['waiting', 'human']);
    expect((await test.store.listEscalations('default', { runId: parked.id })).escalations).toEqual([
      expect.objectContaining({ trigger: 'guardrail', reason: 'judge: a person should read this first' }),
    ]);
  });
});

describe('model-output', () => {
  it('block: the run ends and the tool calls of the blocked turn never run', async () => {
    refunds = 0;
    const { guardrail } = judge('model-output', () => ({ verdict: 'block', reason: 'no refunds today' }));
    const test = await runtimeWith({
      script: [{ toolCalls: [{ name: 'issue_refund', arguments: { orderId: '1001' } }] }],
      guardrails: { modelOutput: [guardrail] },
    });
    const run = await test.run('Refund 1001');
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'GUARDRAIL_BLOCKED' });
    expect(refunds).toBe(0);
    const journal = await test.store.readJournal(run.id);
    expect(journal.some((entry) => entry.type === 'tool-call' || entry.type === 'tool-start')).toBe(false);
    expect(await test.decisions(run.id)).toEqual([expect.objectContaining({ boundary: 'model-output', verdict: 'block', step: 1 })]);
  });

  it('modify: the journal and the answer hold the replacement, never the original', async () => {
    const { guardrail } = judge('model-output', (text) =>
      text.includes('INTERNAL-CODE') ? { verdict: 'modify', reason: 'internal code removed', replacement: { text: 'Your order ships soon.' } } : undefined,
    );
    const test = await runtimeWith({ script: [{ text: 'Your order INTERNAL-CODE ships soon.' }], guardrails: { modelOutput: [guardrail] } });
    const run = await test.run('Where is my order?');
    expect([run.status, run.output]).toEqual(['completed', 'Your order ships soon.']);
    const journal = await test.store.readJournal(run.id);
    expect(journal.find((entry) => entry.type === 'model-response')).toMatchObject({ text: 'Your order ships soon.' });
    expect(JSON.stringify(journal)).not.toContain('INTERNAL-CODE');
  });

  it('escalate: the run waits for a human, and nothing of the turn runs', async () => {
    refunds = 0;
    const { guardrail } = judge('model-output', () => ({ verdict: 'escalate', reason: 'a refund needs a person' }));
    const test = await runtimeWith({
      script: [{ toolCalls: [{ name: 'issue_refund', arguments: { orderId: '1001' } }] }],
      guardrails: { modelOutput: [guardrail] },
    });
    const run = await test.run('Refund 1001');
    expect([run.status, run.waitingReason]).toEqual(['waiting', 'human']);
    expect(refunds).toBe(0);
  });
});

describe('output', () => {
  it('block with a refusal from the config’s defaults: the refusal is the answer, the blocked text is journaled nowhere', async () => {
    const { guardrail } = judge('output', (text) =>
      text.includes('Acme Corp') ? { verdict: 'block', reason: 'competitor', refusal: 'I cannot compare vendors.' } : undefined,
    );
    const test = await runtimeWith({ script: [{ text: 'Acme Corp is cheaper.' }], defaults: { output: [guardrail] } });
    const run = await test.run('Who is cheaper?');
    expect([run.status, run.output]).toEqual(['completed', 'I cannot compare vendors.']);
    expect(JSON.stringify(await test.store.readJournal(run.id))).not.toContain('Acme Corp is cheaper');
  });

  it('the defaults run first, then the agent’s own', async () => {
    const order: string[] = [];
    const named = (name: string) =>
      defineGuardrail({
        name,
        boundaries: ['output'],
        check: () => {
          order.push(name);
          return { verdict: 'allow' };
        },
      });
    const test = await runtimeWith({
      script: [{ text: 'Fine.' }],
      defaults: { output: [named('config-default')] },
      guardrails: { output: [named('agent-own')] },
    });
    expect((await test.run('Hi')).status).toBe('completed');
    expect(order).toEqual(['config-default', 'agent-own']);
  });
});
