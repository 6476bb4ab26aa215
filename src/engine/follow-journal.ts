import type { JournalEntry } from '../journal/events.ts';
import type { Store } from '../store/store.ts';
import type { RecentEntries } from './recent-entries.ts';
import type { RunNotifier } from './run-notifier.ts';

/** How long a follower or waiter sleeps between reads when no wake-up comes (runs of other processes). */
export const followPollMs = 200;
/**
 * A follower that keeps finding nothing new backs off to this (200, 400, 800, 1000 ms …), so
 * thousands of idle streams (waiting runs) cost little; commits made in this process still wake
 * it at once, and the first new entry brings it back to 200 ms.
 */
const idleFollowPollMs = 1_000;
const pageSize = 500;

/**
 * A run's journal after `afterSeq`, and with `follow` (the default) every entry committed after
 * it, until `run-end` or the signal. A follower takes what this process commits from memory
 * (`RecentEntries`) and reads the rest from the store; a one-off read (`follow: false`) reads
 * only the store, which alone holds the whole journal. The caller has checked the run exists.
 */
export async function* followJournal(
  parts: { store: Store; notifier: RunNotifier; recent: RecentEntries },
  runId: string,
  options: { afterSeq?: number; signal?: AbortSignal; follow?: boolean },
): AsyncGenerator<JournalEntry> {
  const { store, notifier, recent } = parts;
  let seq = options.afterSeq ?? 0;
  let idlePolls = 0;
  const release = options.follow === false ? undefined : recent.follow(runId);
  try {
    for (;;) {
      // Subscribed before the read: what is committed while this reads, or while the reader
      // takes the entries yielded below, wakes the wait at once rather than after a poll interval.
      const woken = release === undefined ? undefined : notifier.subscribe(runId);
      try {
        const entries =
          (release === undefined ? undefined : recent.after(runId, seq, pageSize)) ?? (await store.readJournal(runId, { afterSeq: seq, limit: pageSize }));
        for (const entry of entries) {
          yield entry;
          seq = entry.seq;
          if (entry.type === 'run-end') return;
        }
        if (entries.length === pageSize) continue;
        if (woken === undefined || options.signal?.aborted === true) return;
        idlePolls = entries.length > 0 ? 0 : idlePolls + 1;
        await woken.wait(Math.min(followPollMs * 2 ** Math.min(idlePolls, 3), idleFollowPollMs), options.signal);
      } finally {
        woken?.close();
      }
    }
  } finally {
    release?.();
  }
}
