import { KeelError } from '../errors/index.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';

interface HeldLease {
  epoch: number;
  controller: AbortController;
}

export interface LeaseKeeper {
  hold(runId: string, epoch: number, controller: AbortController): void;
  /** Forgets a lease, if this epoch of it is still the one held. */
  drop(runId: string, epoch: number): void;
  /**
   * Beats now if a beat is overdue. A claim must not follow a stall (a long GC, a busy CPU)
   * before the heartbeat does: the stalled leases would look expired and this process would
   * claim its own runs from under itself.
   */
  beatIfDue(): Promise<void>;
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
  const intervalMs = Math.max(10, Math.floor(leaseMs / 3));
  let lastBeat = Date.now();

  async function beat(): Promise<void> {
    if (beating || held.size === 0) return;
    beating = true;
    lastBeat = Date.now();
    try {
      const leases = [...held].map(([runId, lease]) => ({ runId, epoch: lease.epoch }));
      const { lost, cancelRequested } = await store.renewLeases(owner, leases, { leaseMs, now: now() });
      // Act only on the epoch that was renewed: by now this process may hold a newer one.
      const current = (runId: string) => {
        const sent = leases.find((lease) => lease.runId === runId);
        const holding = held.get(runId);
        return holding !== undefined && holding.epoch === sent?.epoch ? holding : undefined;
      };
      for (const runId of lost) {
        current(runId)?.controller.abort(new KeelError({ code: 'LEASE_LOST', message: 'Another worker took over this run' }));
      }
      for (const runId of cancelRequested) {
        current(runId)?.controller.abort(new KeelError({ code: 'RUN_CANCELLED', message: 'The run was cancelled' }));
      }
    } catch (error) {
      // A missed beat is survivable: the lease lasts three beats.
      log.warn({ err: error }, 'lease heartbeat failed');
    } finally {
      beating = false;
    }
  }

  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return {
    hold(runId, epoch, controller) {
      held.set(runId, { epoch, controller });
    },
    drop(runId, epoch) {
      if (held.get(runId)?.epoch === epoch) held.delete(runId);
    },
    async beatIfDue() {
      if (Date.now() - lastBeat > intervalMs) await beat();
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
