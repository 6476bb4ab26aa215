/**
 * A second process stand-in for `sqlite-budgets.test.ts`: opens its own connection to a shared
 * database file and, for each of its runs, reserves a budget and — when granted — settles the
 * call through `append` the way the engine does. Workers wait on a shared flag so that they all
 * start at the same moment.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BudgetSubject } from '../budget-store.ts';
import { createSqliteStore } from './sqlite-store.ts';

export interface BudgetRaceInput {
  path: string;
  owner: string;
  gate: SharedArrayBuffer;
  runs: Array<{ runId: string; subject: BudgetSubject }>;
  amountNanoUsd: number;
}

const input = workerData as BudgetRaceInput;
const store = createSqliteStore({ path: input.path, busyTimeoutMs: 20_000 });
const gate = new Int32Array(input.gate);

parentPort?.postMessage({ type: 'ready' });
Atomics.wait(gate, 0, 0);

const granted: string[] = [];
for (const [index, { runId, subject }] of input.runs.entries()) {
  const reservationId = `${input.owner}-reservation-${index}`;
  const result = await store.reserveBudget({ reservationId, runId, subject, amountNanoUsd: input.amountNanoUsd, now: new Date() });
  if (!result.ok) continue;
  granted.push(runId);
  const lease = await store.claimRun(runId, { owner: input.owner, leaseMs: 600_000, now: new Date() });
  if (lease === undefined) throw new Error(`could not claim ${runId}`);
  const usageEntry = {
    step: 1,
    provider: 'openai',
    modelId: 'gpt-4o-mini',
    inputTokens: 1,
    outputTokens: 1,
    cachedTokens: 0,
    costNanoUsd: input.amountNanoUsd,
    latencyMs: 1,
    reservationId,
  };
  await store.append({ runId, epoch: lease.epoch, lastSeq: lease.run.lastSeq, now: new Date() }, [], { usageEntry });
}
await store.close();
parentPort?.postMessage({ type: 'granted', runIds: granted });
