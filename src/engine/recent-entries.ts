import { jsonCopy } from '../internal/json-copy.ts';
import { JOURNAL_SCHEMA_VERSION, type JournalEntry, type JournalEvent } from '../journal/events.ts';
import type { Commit } from './commits.ts';

/**
 * The entries this process has just committed to the runs someone here is following (a `keel
 * run` printer, an SSE stream, a chat completion), so a follower woken by a commit takes them
 * from memory instead of reading them back from the store.
 *
 * Only what an execution in this process committed passes through here, and only until it stops
 * or is cut short, so it is never the whole journal: a follower uses it only when it holds the
 * very next entry the follower needs, and reads the store otherwise (from the start, after a
 * gap, once it has taken everything held, for runs another process executes, for decisions on
 * waiting runs, and for a run's last commit). What it hands out is what the store would: the
 * same sequence numbers, time and schema version, and the event as JSON has it (`jsonCopy`:
 * what the store's JSON round trip gives).
 *
 * Nothing is held past a run's end, nor once the execution here has stopped (`forget`): the run
 * may go on and end elsewhere, and once a run has ended its session may be erased, which rewrites
 * the journal in the store. From then on only the store is right.
 */
export interface RecentEntries {
  /** Registers a follower of `runId`; entries are kept only while a run has one. Returns its release. */
  follow(runId: string): () => void;
  /** Keeps an execution's commit, if its run is followed. */
  add(commit: Commit): void;
  /** Drops what is held for a run whose execution here has stopped (ended, parked, let go, lost or cut short). */
  forget(runId: string): void;
  /** The held entries after `afterSeq` (at most `limit`) if they start right after it; else undefined, and the store must be read. */
  after(runId: string, afterSeq: number, limit: number): JournalEntry[] | undefined;
}

/** Per followed run. A follower further behind than this reads the store, as it would anyway. */
const maxHeld = 512;

export function createRecentEntries(): RecentEntries {
  const runs = new Map<string, { followers: number; entries: JournalEntry[] }>();
  return {
    follow(runId) {
      const run = runs.get(runId) ?? { followers: 0, entries: [] };
      run.followers += 1;
      runs.set(runId, run);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        run.followers -= 1;
        if (run.followers === 0 && runs.get(runId) === run) runs.delete(runId);
      };
    },
    add(commit) {
      const run = runs.get(commit.run.id);
      if (run === undefined || commit.events.length === 0) return;
      const firstSeq = commit.lastSeq - commit.events.length + 1;
      // A run's first entry is written by the store itself, and a follower always reads it there.
      if (firstSeq === 1) return;
      // Nothing is held past a run's end: once it has ended its session may be erased, which
      // rewrites the journal in the store, so what is left to follow is read from there.
      if (commit.events.some((event) => event.type === 'run-end')) {
        run.entries = [];
        return;
      }
      // Another process wrote in between (a lease taken over and back): start again from here.
      if (run.entries.at(-1)?.seq !== firstSeq - 1) run.entries = [];
      commit.events.forEach((event, index) => run.entries.push(toEntry(event, firstSeq + index, commit.at)));
      if (run.entries.length > maxHeld) run.entries = run.entries.slice(-maxHeld);
    },
    forget(runId) {
      const run = runs.get(runId);
      if (run !== undefined) run.entries = [];
    },
    after(runId, afterSeq, limit) {
      const entries = runs.get(runId)?.entries;
      const first = entries?.[0];
      if (entries === undefined || first === undefined || first.seq > afterSeq + 1) return undefined;
      const start = afterSeq + 1 - first.seq;
      return start < entries.length ? entries.slice(start, start + limit) : undefined;
    },
  };
}

/** The entry as a store reads it back: `type`, the event's data as JSON has it, then `seq`, `at` and `v`. */
function toEntry(event: JournalEvent, seq: number, at: string): JournalEntry {
  const { type, ...data } = event;
  const plain = jsonCopy(data) as Record<string, unknown>;
  return Object.freeze({ type, ...plain, seq, at, v: JOURNAL_SCHEMA_VERSION }) as JournalEntry;
}
