import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createRuntime } from '../../src/keel.ts';
import { loadConfig } from '../../src/sdk/load-config.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { startFakeModelServer } from '../../src/testing/index.ts';
import { fixtureConfig, spawnWorker } from '../crash/worker-process.ts';

/**
 * 50 runs of one user race for a budget that covers about ten model calls, executed by two
 * processes sharing one SQLite file. Reservations are atomic across processes, so recorded
 * spend stays within the budget; the rest park in `waiting: budget` and finish once it is raised.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

// gpt-4o-mini list price: $0.15 / M input, $0.60 / M output → 150 and 600 nanodollars a token.
const usage = { inputTokens: 20, outputTokens: 50 };
const callCostNano = usage.inputTokens * 150 + usage.outputTokens * 600;
const runs = 50;

it('never overspends a budget under 50 concurrent runs in two processes, and resumes the parked runs when it is raised', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'keel-budget-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const server = await startFakeModelServer({ responder: () => ({ text: 'ok', usage, delayMs: 20 }) });
  cleanups.push(() => server.close());
  process.env.OPENAI_API_KEY = 'test-key';
  process.env.OPENAI_BASE_URL = server.openaiBaseURL;
  const databasePath = join(directory, 'keel.db');
  const store = createSqliteStore({ path: databasePath });
  await store.migrate();
  cleanups.push(() => store.close());
  const { config } = await loadConfig({ cwd: directory, path: fixtureConfig });
  const runtime = createRuntime({ config, store, logger: createSilentLogger(), leaseMs: 2_000 });
  cleanups.push(() => runtime.close());

  const limitNano = 10 * callCostNano + callCostNano / 2;
  await store.putBudget({ tenantId: 'default', scope: 'user', scopeId: 'u1', limitNanoUsd: limitNano, period: 'day', now: new Date() });
  for (let index = 0; index < runs; index += 1) {
    await runtime.startRun({ agent: 'metered', input: `Question ${index}`, userId: 'u1', sessionId: `s${index}` });
  }
  const env = { KEEL_DATABASE_URL: `sqlite:${databasePath}`, KEEL_LEASE_MS: '2000', OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: server.openaiBaseURL };
  const other = spawnWorker(env, ['--until-idle', '--concurrency', '25']);
  const worker = runtime.startWorker({ untilIdle: true, concurrency: 25, pollIntervalMs: 10 });
  await worker.done;
  expect(await other.exited, other.output()).toBe(0);

  const spent = await store.queryUsage({ tenantId: 'default', groupBy: 'user' });
  const { runs: all } = await store.listRuns({ tenantId: 'default', limit: 200 });
  const completed = all.filter((run) => run.status === 'completed');
  const parked = all.filter((run) => run.status === 'waiting');
  expect(completed.length + parked.length).toBe(runs);
  expect(parked.every((run) => run.waitingReason === 'budget')).toBe(true);
  expect(completed.length).toBeGreaterThanOrEqual(1);
  expect(parked.length).toBeGreaterThanOrEqual(runs - 11);
  // Spend is exactly tokens × list prices, and within the budget.
  expect(spent).toEqual([
    {
      key: 'u1',
      inputTokens: completed.length * 20,
      outputTokens: completed.length * 50,
      cachedTokens: 0,
      costNanoUsd: completed.length * callCostNano,
      calls: completed.length,
    },
  ]);
  expect(spent[0]!.costNanoUsd).toBeLessThanOrEqual(limitNano);
  for (const run of completed) expect(run.costUsd).toBe(callCostNano / 1e9);

  // Raising the budget requeues the parked runs; they resume and finish.
  await store.putBudget({ tenantId: 'default', scope: 'user', scopeId: 'u1', limitNanoUsd: 1e9, period: 'day', now: new Date() });
  expect(await store.requeueWaiting('default', 'budget')).toHaveLength(parked.length);
  const again = runtime.startWorker({ untilIdle: true, concurrency: 25, pollIntervalMs: 10 });
  await again.done;
  const after = await store.listRuns({ tenantId: 'default', status: 'completed', limit: 200 });
  expect(after.runs).toHaveLength(runs);
  const [total] = await store.queryUsage({ tenantId: 'default', groupBy: 'agent' });
  expect(total).toEqual({ key: 'metered', inputTokens: runs * 20, outputTokens: runs * 50, cachedTokens: 0, costNanoUsd: runs * callCostNano, calls: runs });
}, 120_000);
