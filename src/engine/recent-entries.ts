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
 * Only entries of a run this process is executing are held, and only while it executes it: what
 * is committed for a run nobody here executes (a decision on a waiting run) is read from the
 * store, and so is everything once the execution here stops (`forget`). The run may go on and
 * end elsewhere, and once it has ended its session may be erased, which rewrites the journal in
 * the store; the store alone is right then.
 *
 * For the same reason the commit that ends a run goes only to the followers that were waiting
 * for it when it was committed, having taken every entry before it; a follower that lags or
 * comes later reads the end from the store.
 */
export interface RecentEntries {
  /** Registers a follower of `runId`; entries are kept only while a run has one. */
  follow(runId: string): RecentFollower;
  /** Keeps a commit's entries, if its run is followed; for commits of an execution in this process only. */
  add(commit: Commit): void;
  /** Drops the entries held for a run whose execution here has stopped (ended, parked, let go or lost). */
  forget(runId: string): void;
}

/** One follower's view of what is held for its run. */
export interface RecentFollower {
  /**
   * The held entries after `afterSeq` (at most `limit`) if they start right after it; else
   * undefined, and the store must be read. Called once every entry up to `afterSeq` is taken.
   */
  after(afterSeq: number, limit: number): JournalEntry[] | undefined;
  /** Says the follower has taken every entry up to `seq` and waits for the next. */
  reached(seq: number): void;
  release(): void;
}

/** Per followed run. A follower further behind than this reads the store, as it would anyway. */
const maxHeld = 512;

interface Follower {
  /** The last entry this follower has taken (not merely been handed): where it last asked from, or what it last reached. */
  position: number;
  released: boolean;
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
      const follower: Follower = { position: 0, released: false };
      run.followers.add(follower);
      runs.set(runId, run);
      return {
        after(afterSeq, limit) {
          if (follower.released) return undefined;
          follower.position = afterSeq;
          return run.end === undefined ? heldAfter(run.entries, afterSeq, limit) : endAfter(run.end, follower, afterSeq, limit);
        },
        reached(seq) {
          follower.position = seq;
        },
        release() {
          if (follower.released) return;
          follower.released = true;
          run.followers.delete(follower);
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
      const entriesOf = () => commit.events.map((event, index) => toEntry(event, firstSeq + index, commit.at));
      if (commit.events.some((event) => event.type === 'run-end')) {
        run.entries = [];
        const entitled = new Set([...run.followers].filter((follower) => follower.position === firstSeq - 1));
        if (entitled.size > 0) run.end = { entries: entriesOf(), firstSeq, entitled };
        return;
      }
      // Another process wrote in between (a lease taken over and back): start again from here.
      if (run.entries.at(-1)?.seq !== firstSeq - 1) run.entries = [];
      run.entries.push(...entriesOf());
      if (run.entries.length > maxHeld) run.entries = run.entries.slice(-maxHeld);
    },
    forget(runId) {
      const run = runs.get(runId);
      if (run !== undefined) run.entries = [];
    },
  };
}

function heldAfter(entries: JournalEntry[], afterSeq: number, limit: number): JournalEntry[] | undefined {
  const first = entries[0];
  if (first === undefined || first.seq > afterSeq + 1) return undefined;
  const start = afterSeq + 1 - first.seq;
  return start < entries.length ? entries.slice(start, start + limit) : undefined;
}

/**
 * The end commit's entries after `afterSeq`, for a follower entitled to them. The right is for
 * the follower's next request only (and those that page through the rest of the commit).
 */
function endAfter(end: NonNullable<FollowedRun['end']>, follower: Follower, afterSeq: number, limit: number): JournalEntry[] | undefined {
  if (!end.entitled.delete(follower)) return undefined;
  const start = afterSeq + 1 - end.firstSeq;
  if (start < 0 || start >= end.entries.length) return undefined;
  const held = end.entries.slice(start, start + limit);
  if (start + held.length < end.entries.length) end.entitled.add(follower);
  return held;
}

/** The entry as a store reads it back: `type`, the event's data as JSON has it, then `seq`, `at` and `v`. */
function toEntry(event: JournalEvent, seq: number, at: string): JournalEntry {
  const { type, ...data } = event;
  const plain = jsonCopy(data) as Record<string, unknown>;
  return Object.freeze({ type, ...plain, seq, at, v: JOURNAL_SCHEMA_VERSION }) as JournalEntry;
}
