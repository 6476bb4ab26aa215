import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { BudgetRaceInput } from './budget-race-worker.ts';
import { createSqliteStore } from './sqlite-store.ts';

const root = await mkdtemp(join(tmpdir(), 'keel-sqlite-budgets-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type WorkerMessage = { type: 'ready' } | { type: 'granted'; runIds: string[] };

/** Starts `budget-race-worker.ts` on its own thread and connection. */
function startBudgetWorker(workerData: BudgetRaceInput): { ready: Promise<void>; granted: Promise<string[]> } {
  const worker = new Worker(new URL('./budget-race-worker.ts', import.meta.url), { workerData });
  const listen = <T>(pick: (message: WorkerMessage) => T | undefined): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (message: WorkerMessage) => {
        const value = pick(message);
        if (value !== undefined) resolve(value);
      });
    });
  return {
    ready: listen((message) => (message.type === 'ready' ? true : undefined)).then(() => undefined),
    granted: listen((message) => (message.type === 'granted' ? message.runIds : undefined)),
  };
}

describe('sqlite budgets', () => {
  it('never lets connections racing to reserve and settle pass a budget together', async () => {
    const path = join(await mkdtemp(join(root, 'race-')), 'keel.db');
    const store = createSqliteStore({ path });
    await store.migrate();
    const limitNanoUsd = 1_000_000;
    const amountNanoUsd = 30_000;
    await store.putBudget({ tenantId: 'tenant-a', scope: 'user', scopeId: 'user-1', limitNanoUsd, period: 'total', now: new Date() });

    const owners = ['a', 'b', 'c', 'd'];
    const runsPerWorker = 20;
    const gate = new SharedArrayBuffer(4);
    const workers = [];
    for (const owner of owners) {
      const runs: BudgetRaceInput['runs'] = [];
      for (let index = 0; index < runsPerWorker; index += 1) {
        const { run } = await store.createRun({
          id: `run-${owner}-${index}`,
          tenantId: 'tenant-a',
          agent: 'support',
          sessionId: `session-${owner}-${index}`,
          userId: 'user-1',
          input: 'hello',
          sessionPolicy: 'queue',
          now: new Date(),
        });
        runs.push({ runId: run.id, subject: { tenantId: run.tenantId, userId: run.userId, agent: run.agent, sessionId: run.sessionId } });
      }
      workers.push(startBudgetWorker({ path, owner: `worker-${owner}`, gate, runs, amountNanoUsd }));
    }
    await Promise.all(workers.map((worker) => worker.ready));
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    const granted = (await Promise.all(workers.map((worker) => worker.granted))).flat();

    // 80 calls of 30,000 against 1,000,000: exactly 33 fit, whoever asked first.
    expect(granted).toHaveLength(Math.floor(limitNanoUsd / amountNanoUsd));
    const [status] = await store.listBudgets('tenant-a', { now: new Date() });
    expect(status).toMatchObject({ spentNanoUsd: granted.length * amountNanoUsd, reservedNanoUsd: 0 });
    expect((status?.spentNanoUsd ?? Infinity) + (status?.reservedNanoUsd ?? Infinity)).toBeLessThanOrEqual(limitNanoUsd);
    await store.close();
  });
});
