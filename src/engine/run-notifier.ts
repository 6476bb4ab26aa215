/**
 * In-process wake-ups: "run X has new journal entries" and "there may be work to claim" (`*`).
 * They carry no data — readers always read the store, so a missed or duplicated wake-up costs
 * latency, never correctness, and runs executed by other processes are still seen by polling.
 *
 * A reader subscribes *before* it reads the store and waits on that subscription afterwards, so
 * a notification that comes while it reads (or while it hands what it read to a slow client) is
 * not lost: the wait then returns at once instead of sleeping a whole poll interval.
 */
export interface RunNotifier {
  /** Wakes the followers of `runId`; `*` wakes those looking for work to claim. */
  notify(runId: string): void;
  /** Resolves at the next notification for `runId`, after `timeoutMs`, or on abort. */
  wait(runId: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Starts listening for `runId` now; see `Subscription`. */
  subscribe(runId: string): Subscription;
}

/** Notifications for one key from the moment of subscribing. */
export interface Subscription {
  /** Resolves at once if a notification came since subscribing, else at the next one, after `timeoutMs`, or on abort. Ends the subscription. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Stops listening without waiting (idempotent). */
  close(): void;
}

export function createRunNotifier(): RunNotifier {
  const listeners = new Map<string, Set<() => void>>();
  const wake = (key: string) => {
    const set = listeners.get(key);
    if (set === undefined) return;
    listeners.delete(key);
    for (const listener of set) listener();
  };
  const subscribe = (key: string): Subscription => {
    let notified = false;
    let resolveWait: (() => void) | undefined;
    const set = listeners.get(key) ?? new Set();
    listeners.set(key, set);
    const listener = () => {
      notified = true;
      resolveWait?.();
    };
    set.add(listener);
    const close = () => {
      const current = listeners.get(key);
      current?.delete(listener);
      if (current?.size === 0) listeners.delete(key);
    };
    return {
      wait(timeoutMs, signal) {
        if (notified || signal?.aborted === true) {
          close();
          return Promise.resolve();
        }
        return new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            close();
            resolve();
          };
          resolveWait = done;
          const timer = setTimeout(done, timeoutMs);
          signal?.addEventListener('abort', done, { once: true });
        });
      },
      close,
    };
  };
  return {
    notify(runId) {
      wake(runId);
    },
    wait(runId, timeoutMs, signal) {
      return subscribe(runId).wait(timeoutMs, signal);
    },
    subscribe,
  };
}
