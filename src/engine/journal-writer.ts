import { performance } from 'node:perf_hooks';
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
  /**
   * Holds a commit back until the next one is made, or `commitHeld` is called, or `flushWithinMs`
   * has passed: what was deferred before it goes first, what is deferred after it follows it in
   * the same transaction, and an append made meanwhile commits it on its own first (its patch is
   * never merged with another's). Resolves once it is durable. For a model response whose tool
   * calls may all run before it is durable (`read` tools): it then commits while the next model
   * call is in flight instead of before it. With a commit already held or queued, it is an
   * `append`: nothing is held behind work that came before it.
   */
  hold(events: JournalEvent[], patch: RunPatch | undefined, options: { flushWithinMs: number }): Promise<void>;
  /**
   * Commits the held commit, with what was deferred since, if one is held. Resolves once the last
   * one held is durable; rejects once this writer has failed.
   */
  commitHeld(): Promise<void>;
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
  let held: PendingAppend | undefined;
  /** The last held commit's outcome: what `commitHeld` waits for once it has left the queue. */
  let heldDurable: Promise<void> = Promise.resolve();
  let draining = false;
  let failure: unknown;
  let flushTimer: NodeJS.Timeout | undefined;
  let flushDueAt = Number.POSITIVE_INFINITY;

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (held !== undefined || queue.length > 0) {
        // A held commit goes first and alone: its patch (a model call's ledger row) is never merged with the next one's.
        const holding = held;
        const batch = holding === undefined ? queue : [holding];
        if (holding === undefined) queue = [];
        held = undefined;
        if (failure !== undefined) {
          for (const item of batch) item.reject(failure);
          continue;
        }
        // Taken before the commit's await: events deferred while it is in flight belong to the
        // next commit, not to this one (and must not be cleared with it).
        const taken = deferred;
        deferred = [];
        // Deferred events precede an append's, but follow a held commit's (they were deferred after it).
        const events = holding === undefined ? [...taken, ...batch.flatMap((item) => item.events)] : [...holding.events, ...taken];
        const patch = mergePatches(batch.map((item) => item.patch));
        if (events.length === 0 && patch === undefined) {
          for (const item of batch) item.resolve();
          continue;
        }
        clearTimeout(flushTimer);
        flushTimer = undefined;
        flushDueAt = Number.POSITIVE_INFINITY;
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

  /** Commits what is deferred or held within `ms` at the latest: one timer, set for the earliest deadline asked for. */
  function scheduleFlush(ms: number, flush: () => Promise<void>): void {
    const dueAt = performance.now() + ms;
    if (flushTimer !== undefined && flushDueAt <= dueAt) return;
    clearTimeout(flushTimer);
    flushDueAt = dueAt;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      flushDueAt = Number.POSITIVE_INFINITY;
      // A failed flush fails this writer; the run's next append reports it to the executor.
      flush().catch(() => undefined);
    }, ms);
    flushTimer.unref();
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
      if (options?.flushWithinMs !== undefined) scheduleFlush(options.flushWithinMs, () => this.flush());
    },
    hold(events, patch, options) {
      if (held !== undefined || queue.length > 0 || failure !== undefined) return this.append(events, patch);
      heldDurable = new Promise<void>((resolve, reject) => {
        // What was deferred before it belongs before it; what is deferred from now on, after it.
        held = { events: [...deferred, ...events], patch, resolve, reject };
        deferred = [];
      });
      // Waited for by `commitHeld`, whose caller hears of a failure; never left unhandled here.
      heldDurable.catch(() => undefined);
      scheduleFlush(options.flushWithinMs, () => this.flush());
      return heldDurable;
    },
    commitHeld() {
      if (failure !== undefined) return Promise.reject(failure);
      if (held !== undefined) void this.flush().catch(() => undefined);
      return heldDurable;
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
