import type { JournalEvent } from '../journal/events.ts';
import type { RunRecord } from '../store/store.ts';

/**
 * Events this process committed to a run's journal, told to the runtime's observers once the
 * commit is durable: token metering, the CLI's progress lines, metrics and traces all hang off
 * this one hook instead of wrapping the store.
 */
export interface Commit {
  /**
   * The run as this process last read it (when it claimed or created it): its identity and
   * creation never change; its status and usage may be older than `events`.
   */
  run: RunRecord;
  events: readonly JournalEvent[];
  /** The sequence number of the last of `events`. */
  lastSeq: number;
  /** When the events were journaled (ISO 8601): every event of one commit has this time. */
  at: string;
  /** For commits of an execution: when this process claimed the run. */
  claimedAt?: Date;
}

/**
 * Told of every commit this runtime makes. It runs after the commit, off the run's path: a slow
 * or failing observer never holds up or fails a run (failures are logged). Promises it returns
 * are awaited when the runtime closes.
 */
export type CommitObserver = (commit: Commit) => void | Promise<void>;

/**
 * One observer that tells each of `observers` in turn; one that throws does not stop the rest.
 *
 * @example
 * createEngine({ ..., onCommit: combineObservers([meterTokens, printSettledRuns]) });
 */
export function combineObservers(observers: readonly CommitObserver[]): CommitObserver | undefined {
  if (observers.length === 0) return undefined;
  if (observers.length === 1) return observers[0];
  return (commit) => {
    // Most observers finish at once for most commits (a metric counted, nothing to send): only
    // the work still under way is awaited, so a commit costs no promise when there is none.
    const outcomes: Array<{ error: unknown } | undefined | PromiseLike<{ error: unknown } | undefined>> = [];
    let pending = false;
    for (const observer of observers) {
      try {
        const result = observer(commit);
        if (isThenable(result)) {
          // Handled here and now: a rejection must not go unhandled while an earlier observer is still at work.
          outcomes.push(
            Promise.resolve(result).then(
              () => undefined,
              (error: unknown) => ({ error }),
            ),
          );
          pending = true;
        } else outcomes.push(undefined);
      } catch (error) {
        outcomes.push({ error });
      }
    }
    if (!pending) {
      const failed = outcomes.find((outcome) => outcome !== undefined) as { error: unknown } | undefined;
      if (failed !== undefined) throw failed.error;
      return undefined;
    }
    // The first failure in the observers' order, whether it threw or rejected.
    return Promise.all(outcomes.map(async (outcome) => await outcome)).then((settled) => {
      const failed = settled.find((outcome) => outcome !== undefined);
      if (failed !== undefined) throw failed.error;
    });
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
