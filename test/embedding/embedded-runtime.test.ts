import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, createSqliteStore, defineAgent, defineConfig, setBudget, type Runtime, type Store } from '../../src/index.ts';
import { createApiKey, createApp } from '../../src/server/index.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { scriptedModel } from '../../src/testing/index.ts';

/**
 * An application embedding Keel the documented way — `createRuntime` from `keel`, `createApp`
 * from `keel/server` — gets the same protection and cost control as `keel start`.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function embed(options: { agent: ReturnType<typeof defineAgent>; metering?: false; pricing?: Parameters<typeof defineConfig>[0]['pricing'] }) {
  const directory = mkdtempSync(join(tmpdir(), 'keel-embed-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const store: Store = createSqliteStore({ path: join(directory, 'app.db') });
  await store.migrate();
  cleanups.push(() => store.close());
  const config = defineConfig({ agents: [options.agent], ...(options.pricing === undefined ? {} : { pricing: options.pricing }) });
  const runtime: Runtime = createRuntime({
    config,
    store,
    logger: createSilentLogger(),
    ...(options.metering === false ? { rateLimiter: false as const } : {}),
  });
  cleanups.push(() => runtime.close());
  const worker = runtime.startWorker({ pollIntervalMs: 20 });
  cleanups.push(() => worker.stop());
  const app = createApp({ runtime, logger: createSilentLogger() });
  const { key } = await createApiKey(store, { tenantId: 'acme', role: 'app', name: 'embedding app' });
  const startRun = (userId: string) =>
    app.request('/v1/runs', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent: options.agent.name, input: 'hi', userId }),
    });
  return { store, runtime, startRun };
}

const wordy = () =>
  defineAgent({
    name: 'wordy',
    model: scriptedModel([
      { text: 'A long answer.', usage: { inputTokens: 90, outputTokens: 60 } },
      { text: 'Another.', usage: { inputTokens: 90, outputTokens: 60 } },
    ]),
    instructions: 'Answer.',
  });

describe('an embedding application', () => {
  it("enforces per-user token limits: once a user's runs used up the tokens, the next request is refused", async () => {
    const { store, runtime, startRun } = await embed({ agent: wordy() });
    await store.setTenantLimits('acme', { userTokens: { limit: 100, windowMs: 3_600_000 } });

    const first = await startRun('ana');
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    expect((await runtime.waitForRun(id, { tenantId: 'acme' })).status).toBe('completed');

    const refused = await startRun('ana');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED', details: { limit: 'tokens', max: 100 } } });
    // Another user of the tenant has tokens left.
    expect((await startRun('ben')).status).toBe(202);
  });

  it('meters nothing when metering is turned off (so the test above proves the default wiring)', async () => {
    const { store, runtime, startRun } = await embed({ agent: wordy(), metering: false });
    await store.setTenantLimits('acme', { userTokens: { limit: 100, windowMs: 3_600_000 } });
    const { id } = (await (await startRun('ana')).json()) as { id: string };
    expect((await runtime.waitForRun(id, { tenantId: 'acme' })).status).toBe('completed');
    expect((await startRun('ana')).status).toBe(202);
  });

  it('resumes a run waiting on a budget when the budget is raised from code', async () => {
    const agent = defineAgent({
      name: 'priced',
      model: scriptedModel([{ text: 'Done.', usage: { inputTokens: 10, outputTokens: 10 } }], { provider: 'acme-llm', modelId: 'small' }),
      instructions: 'Answer.',
      modelSettings: { maxOutputTokens: 100 },
    });
    const { store, runtime, startRun } = await embed({ agent, pricing: { 'acme-llm:small': { inputPerMTok: 1, outputPerMTok: 2 } } });
    await setBudget(store, { tenantId: 'acme', scope: 'user', scopeId: 'ana', limitUsd: 0, period: 'day' });

    const { id } = (await (await startRun('ana')).json()) as { id: string };
    const parked = await runtime.waitForRun(id, { tenantId: 'acme' });
    expect([parked.status, parked.waitingReason]).toEqual(['waiting', 'budget']);

    const { budget, requeued } = await setBudget(store, { tenantId: 'acme', scope: 'user', scopeId: 'ana', limitUsd: 1, period: 'day' });
    expect(requeued).toEqual([id]);
    expect(budget.limitNanoUsd).toBe(1_000_000_000);
    const resumed = await runtime.waitForRun(id, { tenantId: 'acme' });
    expect([resumed.status, resumed.output]).toEqual(['completed', 'Done.']);
    // 10 tokens in at $1/M and 10 out at $2/M.
    expect(resumed.costUsd).toBe(0.00003);
  });
});
