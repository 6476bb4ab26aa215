import type { RunPatch, Store } from '../store/store.ts';
import type { JournalEvent } from './events.ts';

interface PendingAppend {
  events: JournalEvent[];
  patch: RunPatch | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface JournalWriter {
  /** Appends durably; resolves once committed. Concurrent calls are group-committed in order. */
  append(events: JournalEvent[], patch?: RunPatch): Promise<void>;
  /**
   * Queues events that need not be durable on their own (a step's start, a read tool's start
   * marker): they are committed with the next `append`, in order, and lost harmlessly in a crash.
   */
  defer(events: JournalEvent[]): void;
  readonly lastSeq: number;
}

export interface JournalWriterOptions {
  store: Store;
  runId: string;
  epoch: number;
  lastSeq: number;
  now: () => Date;
  /** Called after each commit with the sequence number it reached. */
  onCommit?: (lastSeq: number) => void;
}

/**
 * The single writer of one leased run. Every commit is fenced by the lease epoch and the
 * expected last sequence number, so a writer that lost its lease fails instead of forking the
 * journal. Appends issued while a commit is in flight are batched into the next transaction.
 */
export function createJournalWriter(options: JournalWriterOptions): JournalWriter {
  const { store, runId, epoch, now, onCommit } = options;
  let lastSeq = options.lastSeq;
  let deferred: JournalEvent[] = [];
  let queue: PendingAppend[] = [];
  let draining = false;
  let failure: unknown;

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        if (failure !== undefined) {
          for (const item of batch) item.reject(failure);
          continue;
        }
        const events = [...deferred, ...batch.flatMap((item) => item.events)];
        const patch = mergePatches(batch.map((item) => item.patch));
        try {
          await store.append({ runId, epoch, lastSeq, now: now() }, events, patch);
          deferred = [];
          lastSeq += events.length;
          onCommit?.(lastSeq);
          for (const item of batch) item.resolve();
        } catch (error) {
          // A failed commit leaves the journal as it was; this writer is done for good, since
          // the only safe continuation is for a lease holder to re-read and re-fold the journal.
          failure = error;
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      draining = false;
    }
  }

  return {
    append(events, patch) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ events, patch, resolve, reject });
        if (!draining) void drain();
      });
    },
    defer(events) {
      deferred.push(...events);
    },
    get lastSeq() {
      return lastSeq;
    },
  };
}

function mergePatches(patches: Array<RunPatch | undefined>): RunPatch | undefined {
  let merged: RunPatch | undefined;
  for (const patch of patches) {
    if (patch === undefined) continue;
    merged = { ...merged, ...patch };
  }
  return merged;
}
