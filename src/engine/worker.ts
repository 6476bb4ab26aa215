import type { Lease, Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { RunNotifier } from './run-notifier.ts';
import type { Worker, WorkerOptions } from './runtime-types.ts';

export interface WorkerDependencies {
  store: Store;
  owner: string;
  leaseMs: number;
  now: () => Date;
  notifier: RunNotifier;
  log: Logger;
  /**
   * Executes a claimed run to its next resting point (the runtime's shared execution path);
   * `isStopping` turns true when this worker is stopped, so the run drains at its next step.
   */
  execute: (lease: Lease, isStopping: () => boolean) => Promise<void>;
  /** Number of runs this process is executing right now, through any path. */
  activeCount: () => number;
  /** Runs before each claim (the heartbeat, if one is overdue). */
  beforeClaim?: () => Promise<void>;
}

/**
 * The claim loop: take runnable runs (new ones and those whose lease expired after a crash)
 * up to `concurrency`, execute them, and look again when one finishes, when a run is enqueued
 * in this process, or every poll interval.
 */
export function startWorkerLoop(dependencies: WorkerDependencies, options: WorkerOptions = {}): Worker {
  const { store, owner, leaseMs, now, notifier, log } = dependencies;
  const concurrency = options.concurrency ?? 8;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const running = new Set<Promise<void>>();
  const stopping = new AbortController();

  async function loop(): Promise<void> {
    while (!stopping.signal.aborted) {
      // Subscribed before the claim: work enqueued while it is in flight wakes the wait below at once.
      const woken = notifier.subscribe('*');
      const free = concurrency - running.size;
      let claimed: Lease[] = [];
      if (free > 0) {
        try {
          await dependencies.beforeClaim?.();
          claimed = await store.claimRunnable({ owner, leaseMs, now: now(), limit: free });
        } catch (error) {
          log.error({ err: error }, 'claiming runs failed');
        }
      }
      for (const lease of claimed) {
        const execution = dependencies
          .execute(lease, () => stopping.signal.aborted)
          .finally(() => {
            running.delete(execution);
            notifier.notify('*');
          });
        running.add(execution);
      }
      if (claimed.length > 0) {
        woken.close();
        // With a synchronous store a claim round is all microtasks: let timers (heartbeats) and
        // I/O in before the next one.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      if (options.untilIdle === true && running.size === 0 && dependencies.activeCount() === 0) {
        // Runs still leased by a crashed process become claimable when their lease expires.
        try {
          if ((await store.countLiveLeases(now())) === 0) {
            woken.close();
            return;
          }
        } catch (error) {
          log.error({ err: error }, 'checking for leased runs failed');
        }
      }
      await woken.wait(pollIntervalMs, stopping.signal);
    }
  }

  const done = loop().then(async () => {
    await Promise.allSettled(running);
  });
  return {
    done,
    async stop() {
      stopping.abort();
      await done;
    },
  };
}
