/**
 * A second process stand-in for `limits-race.test.ts`: opens its own connection to a shared
 * database file and, once every worker is ready, races the others either claiming runs under a
 * tenant's concurrency cap or hitting one rate-limit counter, then reports what it saw.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { createSqliteStore } from './sqlite-store.ts';

export type LimitsRaceInput =
  | { task: 'claim'; path: string; owner: string; gate: SharedArrayBuffer; tenantId: string; rounds: number }
  | { task: 'hit'; path: string; gate: SharedArrayBuffer; key: string; limit: number; hits: number; now: string };

export type LimitsRaceReport = { task: 'claim'; claims: number; mostExecuting: number } | { task: 'hit'; added: number };

const input = workerData as LimitsRaceInput;
const store = createSqliteStore({ path: input.path, busyTimeoutMs: 20_000 });
const gate = new Int32Array(input.gate);

parentPort?.postMessage({ type: 'ready' });
Atomics.wait(gate, 0, 0);

let report: LimitsRaceReport;
if (input.task === 'claim') {
  // A probe connection counts the tenant's live leases right after each claim. Another worker
  // may claim or release in between, but a count above the cap can only come from a claim that
  // broke it.
  const probe = new DatabaseSync(input.path, { timeout: 20_000 });
  const countExecuting = probe.prepare('SELECT COUNT(*) AS count FROM runs WHERE tenant_id = ? AND lease_expires_at > ?');
  let claims = 0;
  let mostExecuting = 0;
  for (let round = 0; round < input.rounds; round += 1) {
    const now = new Date();
    const leases = await store.claimRunnable({ owner: input.owner, leaseMs: 600_000, now, limit: 2 });
    claims += leases.length;
    mostExecuting = Math.max(mostExecuting, Number(countExecuting.get(input.tenantId, now.toISOString())?.count));
    // Hold the leases a moment, as a run would: without overlapping holds the workers would
    // rarely contend, and the cap would never be put to the test.
    if (leases.length > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3);
    for (const lease of leases) await store.releaseLease(lease.runId, lease.epoch);
  }
  probe.close();
  report = { task: 'claim', claims, mostExecuting };
} else {
  let added = 0;
  for (let index = 0; index < input.hits; index += 1) {
    const result = await store.hitWindowCounter({ key: input.key, windowMs: 60_000, cost: 1, limit: input.limit, now: new Date(input.now) });
    if (result.added) added += 1;
  }
  report = { task: 'hit', added };
}
await store.close();
parentPort?.postMessage({ type: 'report', report });
