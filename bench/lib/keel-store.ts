import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Lease, Store } from '../../src/store/store.ts';

/** A migrated store on `path` holding one run, claimed: ready for fenced appends. */
export async function storeWithLeasedRun(path: string): Promise<{ store: Store; lease: Lease }> {
  const store = createSqliteStore({ path });
  await store.migrate();
  const now = new Date();
  const { run } = await store.createRun({
    id: 'run_bench',
    tenantId: 'default',
    agent: 'bench',
    sessionId: 'ses_bench',
    userId: 'bench',
    input: 'bench',
    sessionPolicy: 'queue',
    now,
  });
  const lease = await store.claimRun(run.id, { owner: 'bench', leaseMs: 3_600_000, now });
  if (lease === undefined) throw new Error('could not claim the bench run');
  return { store, lease };
}

/** Wraps a store to count its durable commits (`append` calls). */
export function countingAppends(store: Store): { store: Store; appends: () => number } {
  let appends = 0;
  return {
    store: { ...store, append: (fence, events, patch) => ((appends += 1), store.append(fence, events, patch)) },
    appends: () => appends,
  };
}
