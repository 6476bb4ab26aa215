import { KeelError } from '../errors/index.ts';
import { sleep } from '../internal/sleep.ts';
import type { JournalEvent } from '../journal/events.ts';
import type { Lease, RunPatch, RunRecord, Store } from '../store/store.ts';
import type { Commit } from './commits.ts';
import { foldJournal, type RunState } from './fold.ts';

/** How long a decision waits for a run to come to rest (its worker still parking it, another decision being written). */
const settleTimeoutMs = 10_000;
const retryEveryMs = 25;

export interface WaitingRunOptions {
  store: Store;
  tenantId: string;
  runId: string;
  /** The lease owner this process decides under, and for how long it may hold the run. */
  owner: string;
  leaseMs: number;
  now: () => Date;
}

/**
 * Writes a person's decision into a run that waits for one (an approval, an escalation reply,
 * an unknown outcome): claims the run — so no worker, and no other decision on any node, writes
 * its journal meanwhile —, folds the journal, lets `decide` choose the events and the patch from
 * what it finds, appends them fenced by the claim, and gives the run back. While the run is not
 * yet at rest (its worker is still parking it, or another decision holds it for a moment) the
 * claim is retried for a few seconds; `decide` throws when the journal says the decision no
 * longer applies (already decided, not waiting for it).
 */
export async function decideOnWaitingRun(
  options: WaitingRunOptions,
  decide: (state: RunState, run: RunRecord) => { events: JournalEvent[]; patch?: RunPatch },
): Promise<Commit> {
  const lease = await claimWhenAtRest(options);
  try {
    const state = foldJournal(await options.store.readJournal(options.runId));
    const { events, patch } = decide(state, lease.run);
    const at = options.now();
    await options.store.append({ runId: options.runId, epoch: lease.epoch, lastSeq: state.lastSeq, now: at }, events, patch);
    return { run: lease.run, events, lastSeq: state.lastSeq + events.length, at: at.toISOString() };
  } finally {
    await options.store.releaseLease(options.runId, lease.epoch);
  }
}

async function claimWhenAtRest(options: WaitingRunOptions): Promise<Lease> {
  const started = Date.now();
  for (;;) {
    const run = await options.store.getRun(options.tenantId, options.runId);
    if (run === undefined) throw new KeelError({ code: 'RUN_NOT_FOUND', message: `No run with id "${options.runId}"` });
    if (run.status === 'waiting') {
      const lease = await options.store.claimRun(options.runId, { owner: options.owner, leaseMs: options.leaseMs, now: options.now(), includeWaiting: true });
      if (lease !== undefined && lease.run.status === 'waiting') return lease;
      if (lease !== undefined) await options.store.releaseLease(options.runId, lease.epoch);
    } else if (run.status !== 'running') {
      // Queued, or ended: not waiting for anyone, and it will not start to while we wait.
      throw new KeelError({ code: 'RUN_NOT_WAITING', message: 'The run is not waiting for a decision', details: { status: run.status } });
    }
    if (Date.now() - started > settleTimeoutMs) {
      throw new KeelError({
        code: 'RUN_NOT_WAITING',
        message: 'The run did not come to rest in time: try again',
        retryable: true,
        details: { status: run.status },
      });
    }
    await sleep(retryEveryMs);
  }
}
