import { performance } from 'node:perf_hooks';
import type { RunPatch, Store } from '../store/store.ts';
import type { JournalEvent } from '../journal/events.ts';

interface PendingAppend {
  /** Its events, after what was deferred before it was queued. */
  events: JournalEvent[];
  patch: RunPatch | undefined;
  /** Held back (`hold`): committed only once something follows it or it is let go, never joining an earlier commit. */
  held: boolean;
  /** A held item let go (`commitHeld`, `flush`, the deadline): committed once it reaches the head. */
  released: boolean;
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
   * deferred after it joins it when it is let go with nothing queued behind it. Plain appends
   * queued behind it commit with it, in one transaction, unless one carries a ledger row of its
   * own: each model call keeps its own row. Resolves once it is durable. For a model response
   * whose tool calls may all run before it is durable (`read` tools): it then commits while the
   * next model call is in flight instead of before it; and for a final answer, which then
   * commits with the run's end.
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
  /** The last held commit's outcome: what `commitHeld` waits for. */
  let heldDurable: Promise<void> = Promise.resolve();
  let flushTimer: NodeJS.Timeout | undefined;
  let flushDueAt = Number.POSITIVE_INFINITY;

  function enqueue(events: JournalEvent[], patch: RunPatch | undefined, held: boolean): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      queue.push({ events: deferred.length === 0 ? events : [...deferred, ...events], patch, held, released: false, resolve, reject });
      deferred = [];
    });
    if (!draining) void drain();
    return done;
  }

  /** Commits the queue in order: what is queued together as one transaction, a held commit only once it may go. */
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
        if (head.held && queue.length === 1) {
          // Held until something is queued after it, or it is let go.
          if (!head.released) break;
          queue.shift();
          batch = [head];
          // With nothing queued behind it, what was deferred since belongs to it (the tool calls'
          // markers and results); otherwise the next item took those when it was queued.
          events = [...head.events, ...deferred];
          deferred = [];
        } else {
          const cut = batchEnd(queue);
          batch = queue.slice(0, cut);
          queue = queue.slice(cut);
          events = batch.length === 1 ? head.events : batch.flatMap((item) => item.events);
        }
        const patch = mergePatches(batch.map((item) => item.patch));
        if (events.length === 0 && patch === undefined) {
          for (const item of batch) item.resolve();
          continue;
        }
        // Nothing left to commit after this one: no deadline to keep. Otherwise the timer stays,
        // for what is still queued or deferred behind it.
        if (queue.length === 0 && deferred.length === 0) stopFlushTimer();
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
  function scheduleFlush(ms: number): void {
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
    const last = queue.at(-1);
    if (last?.held !== true) return false;
    last.released = true;
    if (!draining) void drain();
    return true;
  }

  function flush(): Promise<void> {
    return letHeldGo() ? heldDurable : enqueue([], undefined, false);
  }

  return {
    append(events, patch) {
      return enqueue(events, patch, false);
    },
    defer(events, options) {
      deferred.push(...events);
      if (options?.flushWithinMs !== undefined) scheduleFlush(options.flushWithinMs);
    },
    hold(events, patch, options) {
      heldDurable = enqueue(events, patch, true);
      // Waited for by `commitHeld`, whose caller hears of a failure; never left unhandled here.
      heldDurable.catch(() => undefined);
      scheduleFlush(options.flushWithinMs);
      return heldDurable;
    },
    commitHeld() {
      if (failure !== undefined) return Promise.reject(failure);
      letHeldGo();
      return heldDurable;
    },
    flush,
    close() {
      stopFlushTimer();
    },
    get lastSeq() {
      return lastSeq;
    },
  };
}

/**
 * How many items from the head of the queue commit together: the head (held or not) and the
 * plain appends after it up to the next held one, never two with a ledger row (merged, the
 * second's would replace the first's). A held item behind others waits for what follows it.
 */
function batchEnd(queue: PendingAppend[]): number {
  let ledgerRows = 0;
  for (let index = 0; index < queue.length; index += 1) {
    const item = queue[index];
    if (item === undefined || (index > 0 && item.held)) return index;
    if (item.patch?.usageEntry !== undefined && (ledgerRows += 1) > 1) return index;
  }
  return queue.length;
}

function mergePatches(patches: Array<RunPatch | undefined>): RunPatch | undefined {
  let merged: RunPatch | undefined;
  for (const patch of patches) {
    if (patch === undefined) continue;
    merged = { ...merged, ...patch };
  }
  return merged;
}
