import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { setBudget } from '../../src/cost/budgets.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import type { ConfigOptions } from '../../src/sdk/define-config.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';

/**
 * A budget never passes silently: a model the price catalogue lacks is reported when the config
 * loads and refused when a budget covers its run (unless the config declares it free), and the
 * worst-case reservation is small enough that a small budget admits an ordinary call.
 */
let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const answer = { text: 'Done.', usage: { inputTokens: 120, outputTokens: 40 } };

async function runWithBudget(options: { provider: string; modelId: string; limitUsd: number; pricing?: ConfigOptions['pricing'] }) {
  const agent = defineAgent({
    name: 'helper',
    model: scriptedModel([answer], { provider: options.provider, modelId: options.modelId }),
    instructions: 'Help.',
  });
  harness = await createTestRuntime({ agents: [agent], ...(options.pricing === undefined ? {} : { pricing: options.pricing }) });
  await setBudget(harness.store, { tenantId: 'default', scope: 'user', scopeId: 'ana', limitUsd: options.limitUsd, period: 'day' });
  return await harness.runtime.run({ agent: 'helper', input: 'Please help me with my order.', userId: 'ana' });
}

describe('cost truth', () => {
  it('refuses a run on an unpriced model that a $0 budget covers, with a code that says how to price it', async () => {
    const run = await runWithBudget({ provider: 'openai-compatible', modelId: 'local-llama', limitUsd: 0 });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'MODEL_UNPRICED', message: expect.stringContaining("pricing: { 'openai-compatible:local-llama'") });
    expect(run.usage.inputTokens).toBe(0);
  });

  it('runs an unpriced model declared free under the same $0 budget', async () => {
    const run = await runWithBudget({
      provider: 'openai-compatible',
      modelId: 'local-llama',
      limitUsd: 0,
      pricing: { 'openai-compatible:local-llama': { inputPerMTok: 0, outputPerMTok: 0 } },
    });
    expect([run.status, run.output, run.costUsd]).toEqual(['completed', 'Done.', 0]);
  });

  it('admits an ordinary small call of a listed model under a $0.05 budget, and bills it exactly', async () => {
    // claude-sonnet-4-5 lists at $3 / $15 per million tokens.
    const run = await runWithBudget({ provider: 'anthropic', modelId: 'claude-sonnet-4-5', limitUsd: 0.05 });
    expect(run.status).toBe('completed');
    expect(run.costUsd).toBeCloseTo(120 * 3e-6 + 40 * 15e-6, 12);
  });

  it('reports unpriced models when a runtime is created, naming the model and how to price it', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'warn',
      destination: new Writable({
        write: (chunk, _encoding, done) => {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    const agent = defineAgent({ name: 'priced', model: 'openai:gpt-4o-mini', instructions: 'x', fallbacks: ['openai-compatible:my-finetune'] });
    harness = await createTestRuntime({ agents: [agent], logger, resolveModel: () => scriptedModel([]) });
    const warnings = lines.map((line) => JSON.parse(line) as { model?: string; msg: string });
    expect(warnings).toEqual([expect.objectContaining({ model: 'openai-compatible:my-finetune', msg: expect.stringContaining('defineConfig({ pricing') })]);
  });
});
