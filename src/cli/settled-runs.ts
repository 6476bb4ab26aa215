import type { CommitObserver } from '../engine/commits.ts';
import type { JournalEvent } from '../journal/events.ts';

/** A run this process brought to rest: ended, or parked in `waiting`. */
export interface SettledRun {
  runId: string;
  agent: string;
  /** When this process claimed it, to report how long it worked on it. */
  claimedAt: Date | undefined;
  event: Extract<JournalEvent, { type: 'run-end' | 'run-waiting' }>;
}

/**
 * A commit observer reporting every `run-end` and `run-waiting` this process commits. A runtime
 * tells its observers of its own commits only, so runs finished by other workers are never
 * reported as ours — which a poll of the runs table could not tell apart.
 *
 * @example
 * const keel = await openRuntime({ cwd, observers: [observeSettledRuns((settled) => console.log(settled.runId))] });
 */
export function observeSettledRuns(onSettled: (run: SettledRun) => void): CommitObserver {
  return (commit) => {
    for (const event of commit.events) {
      if (event.type !== 'run-end' && event.type !== 'run-waiting') continue;
      onSettled({ runId: commit.run.id, agent: commit.run.agent, claimedAt: commit.claimedAt, event });
    }
  };
}
