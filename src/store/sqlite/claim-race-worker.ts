/**
 * A second process stand-in for `sqlite-store.test.ts`: opens its own connection to a shared
 * database file and claims runs until none are left, reporting which ones it got. Workers wait
 * on a shared flag so that they all start claiming at the same moment.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSqliteStore } from './sqlite-store.ts';

export interface ClaimRaceInput {
  path: string;
  owner: string;
  gate: SharedArrayBuffer;
}

const input = workerData as ClaimRaceInput;
const store = createSqliteStore({ path: input.path, busyTimeoutMs: 20_000 });
const gate = new Int32Array(input.gate);

parentPort?.postMessage({ type: 'ready' });
Atomics.wait(gate, 0, 0);

const claimed: string[] = [];
for (;;) {
  const leases = await store.claimRunnable({ owner: input.owner, leaseMs: 600_000, now: new Date(), limit: 2 });
  if (leases.length === 0) break;
  claimed.push(...leases.map((lease) => lease.runId));
}
await store.close();
parentPort?.postMessage({ type: 'claimed', runIds: claimed });
