import { performance } from 'node:perf_hooks';
import type { RunPatch, Store } from '../store/store.ts';
import type { JournalEvent } from '../journal/events.ts';

interface PendingAppend {
  /** Its events, after what was deferred before it was queued. */
  events: JournalEvent[];
  patch: RunPatch | undefined;
  /** Held back (`hold`): committed alone, and only once something follows it or it is let go. */
  held: boolean;
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
   * Holds a commit back until something else is queued after it, or `commitHeld` (or `flush`) is
   * called, or `flushWithinMs` has passed. What was deferred before it goes first; what is
   * deferred after it joins it when it is let go with nothing queued behind it. It always
   * commits alone, so its patch (a model call's ledger row) is never merged with another's.
   * Resolves once it is durable. For a model response whose tool calls may all run before it is
   * durable (`read` tools): it then commits while the next model call is in flight instead of
   * before it.
   */
  hold(events: JournalEvent[], patch: RunPatch | undefined, options: { flushWithinMs: number }): Promise<void>;
  /** Lets the held commit go, if one is waiting. Resolves once the last one held is durable; rejects once this writer has failed. */
  commitHeld(): Promise<void>;
  /** Commits deferred events now, if there are any, and lets a held commit go. */
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
  // Deferred since the last item was queued: the next one queued takes them, ahead of its own.
  let deferred: JournalEvent[] = [];
  let queue: PendingAppend[] = [];
  let draining = false;
  let failure: unknown;
  /** Set to let a held commit go once it reaches the head of the queue. */
  let releaseHeld = false;
  /** The last held commit's outcome: what `commitHeld` waits for. */
  let heldDurable: Promise<void> = Promise.resolve();
  let flushTimer: NodeJS.Timeout | undefined;
  let flushDueAt = Number.POSITIVE_INFINITY;

  function enqueue(events: JournalEvent[], patch: RunPatch | undefined, held: boolean): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      queue.push({ events: deferred.length === 0 ? events : [...deferred, ...events], patch, held, resolve, reject });
      deferred = [];
    });
    if (!draining) void drain();
    return done;
  }

  /** Commits the queue in order: plain appends queued together as one transaction, each held commit alone. */
  async function drain(): Promise<void> {
    draining = true;
    try {
      for (;;) {
        const head = queue[0];
        if (head === undefined) break;
        if (failure !== undefined) {
          const rejected = queue;
          queue = [];
          for (const item of rejected) item.reject(failure);
          continue;
        }
        let batch: PendingAppend[];
        let events: JournalEvent[];
        if (head.held) {
          // Held until something is queued after it, or it is let go.
          if (queue.length === 1 && !releaseHeld) break;
          queue.shift();
          releaseHeld = false;
          batch = [head];
          // With nothing queued behind it, what was deferred since belongs to it (the tool calls'
          // markers and results); otherwise the next item took those when it was queued.
          events = queue.length === 0 ? [...head.events, ...deferred] : head.events;
          if (queue.length === 0) deferred = [];
        } else {
          const cut = queue.findIndex((item) => item.held);
          batch = cut === -1 ? queue : queue.slice(0, cut);
          queue = cut === -1 ? [] : queue.slice(cut);
          events = batch.length === 1 ? (batch[0]?.events ?? []) : batch.flatMap((item) => item.events);
        }
        const patch = mergePatches(batch.map((item) => item.patch));
        if (events.length === 0 && patch === undefined) {
          for (const item of batch) item.resolve();
          continue;
        }
        stopFlushTimer();
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

  function stopFlushTimer(): void {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    flushDueAt = Number.POSITIVE_INFINITY;
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

  /** Lets a held commit waiting at the end of the queue go, if there is one. */
  function letHeldGo(): boolean {
    if (queue.at(-1)?.held !== true) return false;
    releaseHeld = true;
    if (!draining) void drain();
    return true;
  }

  return {
    append(events, patch) {
      return enqueue(events, patch, false);
    },
    defer(events, options) {
      deferred.push(...events);
      if (options?.flushWithinMs !== undefined) scheduleFlush(options.flushWithinMs, () => this.flush());
    },
    hold(events, patch, options) {
      heldDurable = enqueue(events, patch, true);
      // Waited for by `commitHeld`, whose caller hears of a failure; never left unhandled here.
      heldDurable.catch(() => undefined);
      scheduleFlush(options.flushWithinMs, () => this.flush());
      return heldDurable;
    },
    commitHeld() {
      if (failure !== undefined) return Promise.reject(failure);
      letHeldGo();
      return heldDurable;
    },
    flush() {
      return letHeldGo() ? heldDurable : enqueue([], undefined, false);
    },
    close() {
      stopFlushTimer();
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
