import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { LimitsRaceInput, LimitsRaceReport } from './limits-race-worker.ts';
import { createSqliteStore } from './sqlite-store.ts';

/*
 * Races on one database file between connections on separate threads: `node:sqlite` is
 * synchronous, so only threads (or processes) make two connections truly overlap. The Store
 * contract suite covers the same limits through the port on one connection.
 */

const root = await mkdtemp(join(tmpdir(), 'keel-limits-race-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type WorkerMessage = { type: 'ready' } | { type: 'report'; report: LimitsRaceReport };

function startWorker(workerData: LimitsRaceInput): { ready: Promise<void>; report: Promise<LimitsRaceReport> } {
  const worker = new Worker(new URL('./limits-race-worker.ts', import.meta.url), { workerData });
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
    report: listen((message) => (message.type === 'report' ? message.report : undefined)),
  };
}

/** Starts the workers, lets them all go at once, and collects their reports. */
async function race(inputs: LimitsRaceInput[]): Promise<LimitsRaceReport[]> {
  const workers = inputs.map((input) => startWorker(input));
  await Promise.all(workers.map((worker) => worker.ready));
  const gate = inputs[0]?.gate;
  if (gate === undefined) throw new Error('no workers');
  Atomics.store(new Int32Array(gate), 0, 1);
  Atomics.notify(new Int32Array(gate), 0);
  return await Promise.all(workers.map((worker) => worker.report));
}

async function freshDatabase(name: string): Promise<string> {
  const path = join(await mkdtemp(join(root, `${name}-`)), 'keel.db');
  const store = createSqliteStore({ path });
  await store.migrate();
  await store.close();
  return path;
}

describe('limits under racing connections to one SQLite file', () => {
  it("never lets a tenant's executing runs pass its cap while four connections claim and release", async () => {
    const path = await freshDatabase('cap');
    const store = createSqliteStore({ path });
    await store.setTenantLimits('tenant-a', { maxConcurrentRuns: 3 });
    for (let index = 0; index < 40; index += 1) {
      await store.createRun({
        id: `run-${index}`,
        tenantId: 'tenant-a',
        agent: 'support',
        sessionId: `session-${index}`,
        userId: `user-${index % 4}`,
        input: 'hello',
        sessionPolicy: 'queue',
        now: new Date(),
      });
    }
    await store.close();

    const gate = new SharedArrayBuffer(4);
    const reports = await race(
      ['a', 'b', 'c', 'd'].map((owner) => ({ task: 'claim', path, owner: `worker-${owner}`, gate, tenantId: 'tenant-a', rounds: 150 })),
    );
    const claims = reports.flatMap((report) => (report.task === 'claim' ? [report] : []));
    expect(claims).toHaveLength(4);
    // The workers did contend (the cap was reached) and it was never passed.
    expect(Math.max(...claims.map((report) => report.mostExecuting))).toBe(3);
    expect(claims.reduce((sum, report) => sum + report.claims, 0)).toBeGreaterThan(150);
  });

  it('admits exactly `limit` hits of one counter from four connections racing', async () => {
    const path = await freshDatabase('counter');
    const gate = new SharedArrayBuffer(4);
    const now = new Date().toISOString();
    const reports = await race(
      Array.from({ length: 4 }, () => ({ task: 'hit', path, gate, key: 'requests:tenant-a:user-1', limit: 150, hits: 100, now }) as const),
    );
    const added = reports.reduce((sum, report) => sum + (report.task === 'hit' ? report.added : 0), 0);
    expect(added).toBe(150);
  });
});
