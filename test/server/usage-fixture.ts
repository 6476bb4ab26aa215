import type { UsageEntry } from '../../src/store/budget-store.ts';
import type { Store } from '../../src/store/store.ts';

let runs = 0;

/**
 * Records one settled model call in the ledger the way the engine does (an append carrying a
 * usage entry), for a new run of `tenantId` / `userId` / `agent`.
 */
export async function recordCall(store: Store, call: { tenantId?: string; userId?: string; agent?: string; at?: Date } & Partial<UsageEntry>): Promise<string> {
  runs += 1;
  const { tenantId = 'acme', userId = 'ana', agent = 'greeter', at = new Date(), ...entry } = call;
  const { run } = await store.createRun({
    id: `run-usage-${runs}`,
    tenantId,
    agent,
    sessionId: `session-usage-${runs}`,
    userId,
    input: 'hi',
    sessionPolicy: 'queue',
    now: at,
  });
  const lease = await store.claimRun(run.id, { owner: 'usage-fixture', leaseMs: 60_000, now: at });
  if (lease === undefined) throw new Error(`could not claim ${run.id}`);
  const usageEntry: UsageEntry = {
    step: 1,
    provider: 'openai',
    modelId: 'gpt-4o-mini',
    inputTokens: 100,
    outputTokens: 10,
    cachedTokens: 0,
    costNanoUsd: 1_000,
    latencyMs: 5,
    ...entry,
  };
  await store.append({ runId: run.id, epoch: lease.epoch, lastSeq: run.lastSeq, now: at }, [], { usageEntry, costNanoUsd: usageEntry.costNanoUsd });
  await store.releaseLease(run.id, lease.epoch);
  return run.id;
}
