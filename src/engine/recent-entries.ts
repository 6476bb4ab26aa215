import { jsonCopy } from '../internal/json-copy.ts';
import { JOURNAL_SCHEMA_VERSION, type JournalEntry, type JournalEvent } from '../journal/events.ts';
import type { Commit } from './commits.ts';

/**
 * The entries this process has just committed to the runs someone here is following (a `keel
 * run` printer, an SSE stream, a chat completion), so a follower woken by a commit takes them
 * from memory instead of reading them back from the store.
 *
 * Only what this process committed passes through here, so it is never the whole journal: a
 * follower uses it only when it holds the very next entry the follower needs, and reads the
 * store otherwise (from the start, after a gap, once it has taken everything held, and for runs
 * another process executes). What it hands out is what the store would: the same sequence
 * numbers, time and schema version, and the event as JSON has it (`jsonCopy`: what the store's
 * JSON round trip gives).
 *
 * A run's last commit is special: once a run has ended its session may be erased, which rewrites
 * the journal in the store. So the entries of the commit that ends a run go only to the followers
 * that had been handed everything before it when it was committed — the conversation they were
 * already given, brought to its end — and every other follower, one that lags or comes later,
 * reads the end from the store.
 */
export interface RecentEntries {
  /** Registers a follower of `runId`; entries are kept only while a run has one. */
  follow(runId: string): RecentFollower;
  /** Keeps a commit's entries, if its run is followed. */
  add(commit: Commit): void;
}

/** One follower's view of what is held for its run. */
export interface RecentFollower {
  /** The held entries after `afterSeq` (at most `limit`) if they start right after it; else undefined, and the store must be read. */
  after(afterSeq: number, limit: number): JournalEntry[] | undefined;
  release(): void;
}

/** Per followed run. A follower further behind than this reads the store, as it would anyway. */
const maxHeld = 512;

interface Follower {
  /** The last entry this follower is known to have: the last one handed to it, or where it last asked from. */
  position: number;
}

interface FollowedRun {
  followers: Set<Follower>;
  entries: JournalEntry[];
  /** The commit that ended the run, for the followers that had everything before it. */
  end?: { entries: JournalEntry[]; firstSeq: number; entitled: Set<Follower> };
}

export function createRecentEntries(): RecentEntries {
  const runs = new Map<string, FollowedRun>();
  return {
    follow(runId) {
      const run = runs.get(runId) ?? { followers: new Set<Follower>(), entries: [] };
      const follower: Follower = { position: 0 };
      run.followers.add(follower);
      runs.set(runId, run);
      return {
        after(afterSeq, limit) {
          follower.position = afterSeq;
          const held = run.end === undefined ? heldAfter(run.entries, afterSeq, limit) : endAfter(run.end, follower, afterSeq, limit);
          const last = held?.at(-1);
          if (last !== undefined) follower.position = last.seq;
          return held;
        },
        release() {
          if (!run.followers.delete(follower)) return;
          run.end?.entitled.delete(follower);
          if (run.followers.size === 0 && runs.get(runId) === run) runs.delete(runId);
        },
      };
    },
    add(commit) {
      const run = runs.get(commit.run.id);
      if (run === undefined || commit.events.length === 0) return;
      const firstSeq = commit.lastSeq - commit.events.length + 1;
      // A run's first entry is written by the store itself, and a follower always reads it there.
      if (firstSeq === 1) return;
      const entries = commit.events.map((event, index) => toEntry(event, firstSeq + index, commit.at));
      if (commit.events.some((event) => event.type === 'run-end')) {
        const entitled = new Set([...run.followers].filter((follower) => follower.position === firstSeq - 1));
        run.entries = [];
        run.end = { entries, firstSeq, entitled };
        return;
      }
      // Another process wrote in between (a lease taken over and back): start again from here.
      if (run.entries.at(-1)?.seq !== firstSeq - 1) run.entries = [];
      run.entries.push(...entries);
      if (run.entries.length > maxHeld) run.entries = run.entries.slice(-maxHeld);
    },
  };
}

function heldAfter(entries: JournalEntry[], afterSeq: number, limit: number): JournalEntry[] | undefined {
  const first = entries[0];
  if (first === undefined || first.seq > afterSeq + 1) return undefined;
  const start = afterSeq + 1 - first.seq;
  return start < entries.length ? entries.slice(start, start + limit) : undefined;
}

/** The end commit's entries after `afterSeq`, for a follower entitled to them; it loses the right once it has them all. */
function endAfter(end: NonNullable<FollowedRun['end']>, follower: Follower, afterSeq: number, limit: number): JournalEntry[] | undefined {
  const start = afterSeq + 1 - end.firstSeq;
  if (!end.entitled.has(follower) || start < 0 || start >= end.entries.length) return undefined;
  const held = end.entries.slice(start, start + limit);
  if (start + held.length === end.entries.length) end.entitled.delete(follower);
  return held;
}

/** The entry as a store reads it back: `type`, the event's data as JSON has it, then `seq`, `at` and `v`. */
function toEntry(event: JournalEvent, seq: number, at: string): JournalEntry {
  const { type, ...data } = event;
  const plain = jsonCopy(data) as Record<string, unknown>;
  return Object.freeze({ type, ...plain, seq, at, v: JOURNAL_SCHEMA_VERSION }) as JournalEntry;
}
