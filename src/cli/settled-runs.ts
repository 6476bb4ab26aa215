import type { CommitObserver } from '../engine/commits.ts';
import type { JournalEvent } from '../journal/events.ts';
import type { Style } from './style.ts';
import { terminalSafe } from './terminal-text.ts';

/** A run this process brought to rest: ended, or parked in `waiting`. */
export interface SettledRun {
  runId: string;
  agent: string;
  /** When this process claimed it, to report how long it worked on it. */
  claimedAt: Date | undefined;
  /** When it settled: the journal time of the commit (ISO 8601). */
  at: string;
  event: Extract<JournalEvent, { type: 'run-end' | 'run-waiting' }>;
}

/** A run this process began to work on: created here, or claimed (again, when `resumed`). */
export interface StartedRun {
  runId: string;
  agent: string;
  resumed: boolean;
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
      onSettled({ runId: commit.run.id, agent: commit.run.agent, claimedAt: commit.claimedAt, at: commit.at, event });
    }
  };
}

/** Runs announced and not yet settled that are remembered at most: past it the oldest are forgotten. */
const maxAnnounced = 10_000;

/**
 * Like {@link observeSettledRuns}, and also tells once when this process begins to work on a run:
 * at its first commit here (the `run-start` of a run created by this process, or the first
 * commit of an execution) — unless that same commit settles it, which is then the only line.
 * A run resumed after `waiting` is announced again, as resumed.
 *
 * @example
 * observers: [observeRunActivity({ onStarted: (run) => print(`▶ ${run.runId}`), onSettled: (run) => print(describeSettled(run, style)) })]
 */
export function observeRunActivity(handlers: { onStarted(run: StartedRun): void; onSettled(run: SettledRun): void }): CommitObserver {
  const announced = new Set<string>();
  const settled = observeSettledRuns((run) => {
    announced.delete(run.runId);
    handlers.onSettled(run);
  });
  return (commit) => {
    const settles = commit.events.some((event) => event.type === 'run-end' || event.type === 'run-waiting');
    if (!settles && !announced.has(commit.run.id)) {
      if (announced.size >= maxAnnounced) announced.delete(announced.values().next().value ?? '');
      announced.add(commit.run.id);
      handlers.onStarted({ runId: commit.run.id, agent: commit.run.agent, resumed: commit.events.some((event) => event.type === 'run-resume') });
    }
    return settled(commit);
  };
}

/** One line for a run this process began to work on. */
export function describeStarted(run: StartedRun, style: Style): string {
  return `${style('cyan', '▶')} ${terminalSafe(`${run.runId} ${run.agent}`)} ${run.resumed ? 'resumed' : 'started'}`;
}

/** One line per settled run: id, agent, outcome, time spent in this process. Recorded text is made terminal-safe. */
export function describeSettled(settled: SettledRun, style: Style): string {
  const seconds =
    settled.claimedAt === undefined ? '' : ` ${style('dim', `${(Math.max(0, Date.parse(settled.at) - settled.claimedAt.getTime()) / 1000).toFixed(1)} s`)}`;
  const who = terminalSafe(`${settled.runId} ${settled.agent ?? ''}`.trimEnd());
  const event = settled.event;
  if (event.type === 'run-waiting') return `${style('yellow', '⏸')} ${who} waiting: ${terminalSafe(event.reason)}${seconds}`;
  if (event.status === 'completed') return `${style('green', '✓')} ${who} completed${seconds}`;
  if (event.status === 'cancelled') return `${style('yellow', '■')} ${who} cancelled${seconds}`;
  const reason = event.error === undefined ? '' : ` ${terminalSafe(`${event.error.code}: ${event.error.message}`)}`;
  return `${style('red', '✗')} ${who} failed${reason}${seconds}`;
}
