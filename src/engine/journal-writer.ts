import type { RunPatch, Store } from '../store/store.ts';
import type { JournalEvent } from '../journal/events.ts';

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
   * marker and result): they are committed with the next `append`, in order, and lost harmlessly
   * in a crash. With `flushWithinMs` they are committed by then at the latest, so readers of the
   * journal see them promptly even when no other write comes.
   */
  defer(events: JournalEvent[], options?: { flushWithinMs?: number }): void;
  /** Commits deferred events now, if there are any. */
  flush(): Promise<void>;
  /** Stops the deferred-flush timer: nothing is written after the execution has let the run go. */
  close(): void;
  readonly lastSeq: number;
}

export interface JournalWriterOptions {
  store: Store;
  runId: string;
  epoch: number;
  lastSeq: number;
  now: () => Date;
  /** Called after each commit with the sequence number it reached and the events it made durable. */
  onCommit?: (lastSeq: number, events: JournalEvent[], at: Date) => void;
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
  let flushTimer: NodeJS.Timeout | undefined;

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
        // Taken before the commit's await: events deferred while it is in flight belong to the
        // next commit, not to this one (and must not be cleared with it).
        const taken = deferred;
        deferred = [];
        const events = [...taken, ...batch.flatMap((item) => item.events)];
        const patch = mergePatches(batch.map((item) => item.patch));
        if (events.length === 0 && patch === undefined) {
          for (const item of batch) item.resolve();
          continue;
        }
        clearTimeout(flushTimer);
        flushTimer = undefined;
        try {
          const at = now();
          await store.append({ runId, epoch, lastSeq, now: at }, events, patch);
          lastSeq += events.length;
          onCommit?.(lastSeq, events, at);
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
    defer(events, options) {
      deferred.push(...events);
      if (options?.flushWithinMs === undefined || flushTimer !== undefined) return;
      flushTimer = setTimeout(() => {
        flushTimer = undefined;
        // A failed flush fails this writer; the run's next append reports it to the executor.
        this.flush().catch(() => undefined);
      }, options.flushWithinMs);
      flushTimer.unref();
    },
    flush() {
      return this.append([]);
    },
    close() {
      clearTimeout(flushTimer);
      flushTimer = undefined;
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
