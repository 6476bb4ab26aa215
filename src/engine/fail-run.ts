import type { SerializedError } from '../errors/index.ts';
import type { JournalEvent } from '../journal/events.ts';
import type { Lease, Store } from '../store/store.ts';

/**
 * Ends a leased run as failed without going through its journal writer: for a run that cannot be
 * executed at all (its agent is gone, its journal cannot be folded) or whose writer died on an
 * error that would recur on every retry. Releasing such a run instead would only hand it to the
 * next claimant to fail the same way, forever. Fenced like any append: a lost lease writes nothing.
 */
export async function failRun(options: {
  store: Store;
  lease: Lease;
  error: SerializedError;
  now: Date;
}): Promise<{ events: JournalEvent[]; lastSeq: number; at: string } | undefined> {
  const { store, lease, error, now } = options;
  const current = await store.getRun(lease.run.tenantId, lease.runId);
  if (current === undefined) return undefined;
  const events: JournalEvent[] = [{ type: 'run-end', status: 'failed', error }];
  await store.append({ runId: lease.runId, epoch: lease.epoch, lastSeq: current.lastSeq, now }, events, {
    status: 'failed',
    waitingReason: null,
    error,
    endedAt: now,
    releaseReservations: true,
  });
  return { events, lastSeq: current.lastSeq + events.length, at: now.toISOString() };
}
