import { KeelError } from '../errors/index.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';

interface HeldLease {
  epoch: number;
  controller: AbortController;
}

export interface LeaseKeeper {
  hold(runId: string, epoch: number, controller: AbortController): void;
  drop(runId: string): void;
  /** The controller of a run this process is executing, if any. */
  controllerOf(runId: string): AbortController | undefined;
  readonly size: number;
  /** Aborts every execution this process holds a lease for. */
  abortAll(reason: KeelError): void;
  stop(): void;
}

/**
 * Heartbeats every lease this process holds, in one store call per beat. A lease found lost
 * (another node reclaimed the run after this one stalled) or a cancellation requested from
 * elsewhere aborts that run's execution with the reason.
 */
export function createLeaseKeeper(options: { store: Store; owner: string; leaseMs: number; now: () => Date; log: Logger }): LeaseKeeper {
  const { store, owner, leaseMs, now, log } = options;
  const held = new Map<string, HeldLease>();
  let beating = false;

  async function beat(): Promise<void> {
    if (beating || held.size === 0) return;
    beating = true;
    try {
      const leases = [...held].map(([runId, lease]) => ({ runId, epoch: lease.epoch }));
      const { lost, cancelRequested } = await store.renewLeases(owner, leases, { leaseMs, now: now() });
      for (const runId of lost) {
        held.get(runId)?.controller.abort(new KeelError({ code: 'LEASE_LOST', message: 'Another worker took over this run' }));
      }
      for (const runId of cancelRequested) {
        held.get(runId)?.controller.abort(new KeelError({ code: 'RUN_CANCELLED', message: 'The run was cancelled' }));
      }
    } catch (error) {
      // A missed beat is survivable: the lease lasts three beats.
      log.warn({ err: error }, 'lease heartbeat failed');
    } finally {
      beating = false;
    }
  }

  const timer = setInterval(() => void beat(), Math.max(10, Math.floor(leaseMs / 3)));
  timer.unref();
  return {
    hold(runId, epoch, controller) {
      held.set(runId, { epoch, controller });
    },
    drop(runId) {
      held.delete(runId);
    },
    controllerOf(runId) {
      return held.get(runId)?.controller;
    },
    get size() {
      return held.size;
    },
    abortAll(reason) {
      for (const lease of held.values()) lease.controller.abort(reason);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
