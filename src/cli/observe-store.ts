import type { JournalEvent } from '../journal/events.ts';
import type { Lease, RunPatch, Store } from '../store/store.ts';

/** A run this process brought to rest: ended, or parked in `waiting`. */
export interface SettledRun {
  runId: string;
  agent: string | undefined;
  /** When this process claimed it, to report how long it worked on it. */
  claimedAt: Date | undefined;
  event: Extract<JournalEvent, { type: 'run-end' | 'run-waiting' }>;
}

/**
 * Wraps a store to report every `run-end` and `run-waiting` this process appends. Only appends
 * made through this wrapper are seen, so runs finished by other workers are never reported as
 * ours — which a poll of the runs table could not tell apart.
 *
 * @example
 * const store = observeSettledRuns(await openStore(url), (settled) => console.log(settled.runId));
 */
export function observeSettledRuns(store: Store, onSettled: (run: SettledRun) => void): Store {
  const claims = new Map<string, { agent: string; claimedAt: Date }>();
  const remember = (lease: Lease | undefined) => {
    if (lease !== undefined) claims.set(lease.runId, { agent: lease.run.agent, claimedAt: new Date() });
    return lease;
  };

  const overrides: Partial<Store> = {
    async claimRunnable(options) {
      const leases = await store.claimRunnable(options);
      leases.forEach(remember);
      return leases;
    },
    async claimRun(runId, options) {
      return remember(await store.claimRun(runId, options));
    },
    async append(fence, events, patch?: RunPatch) {
      await store.append(fence, events, patch);
      for (const event of events) {
        if (event.type !== 'run-end' && event.type !== 'run-waiting') continue;
        const claim = claims.get(fence.runId);
        if (event.type === 'run-end') claims.delete(fence.runId);
        onSettled({ runId: fence.runId, agent: claim?.agent, claimedAt: claim?.claimedAt, event });
      }
    },
  };

  // A Proxy rather than a spread, so a class-based store keeps its prototype methods and `this`.
  return new Proxy(store, {
    get(target, property, receiver) {
      if (typeof property === 'string' && property in overrides) return overrides[property as keyof Store];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
