/**
 * In-process wake-ups: "run X has new journal entries" and "there may be work to claim".
 * They carry no data — readers always read the store, so a missed or duplicated wake-up costs
 * latency, never correctness, and runs executed by other processes are still seen by polling.
 */
export interface RunNotifier {
  notify(runId: string): void;
  /** Resolves at the next notification for `runId` (or any run, with `*`), after `timeoutMs`, or on abort. */
  wait(runId: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
}

export function createRunNotifier(): RunNotifier {
  const waiters = new Map<string, Set<() => void>>();
  const wake = (key: string) => {
    const set = waiters.get(key);
    if (set === undefined) return;
    waiters.delete(key);
    for (const resolve of set) resolve();
  };
  return {
    notify(runId) {
      wake(runId);
      wake('*');
    },
    wait(runId, timeoutMs, signal) {
      return new Promise<void>((resolve) => {
        const set = waiters.get(runId) ?? new Set();
        waiters.set(runId, set);
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          set.delete(done);
          if (set.size === 0 && waiters.get(runId) === set) waiters.delete(runId);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        signal?.addEventListener('abort', done, { once: true });
        set.add(done);
      });
    },
  };
}
