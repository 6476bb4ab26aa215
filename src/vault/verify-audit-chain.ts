import { KeelError } from '../errors/index.ts';
import { auditEntryHash, auditEntryProblem, auditGenesisHash, type AuditChainLink, type AuditEntry } from './audit-chain.ts';

/**
 * How the chain is broken at `brokenAt`:
 * - `edited`: the entry's content changed but its hash did not;
 * - `rewritten`: the entry's hash was recomputed after a change, so the next entry no longer links to it
 *   (or it is not the entry the recorded head names);
 * - `deleted`: entries are missing (a gap in seq);
 * - `inserted`: an entry that does not belong (a second entry with the same seq, or one between two linked entries);
 * - `reordered`: entries are out of order (two swapped, or one moved);
 * - `unlinked`: the first entry does not link to the genesis hash or to the checkpoint it should continue from;
 * - `truncated`: the log ends before the recorded head;
 * - `malformed`: the entry is not an audit entry at all (a missing field, a hash that is not hex, details that are not JSON).
 */
export type AuditChainProblem = 'edited' | 'rewritten' | 'deleted' | 'inserted' | 'reordered' | 'unlinked' | 'truncated' | 'malformed';

export type AuditChainResult =
  | { ok: true; checked: number; lastSeq: number; lastHash: string }
  /** Every entry before `brokenAt` was verified; `checked` says how many of them this run read. */
  | { ok: false; brokenAt: number; problem: AuditChainProblem; message: string; checked: number };

export interface AuditChainVerifyOptions {
  /**
   * For a pruned log: the seq and hash of the last pruned entry, recorded when it was pruned.
   * The first entry given must then be `checkpoint.seq + 1` and link to `checkpoint.hash`.
   */
  checkpoint?: AuditChainLink | undefined;
  /**
   * The last entry as recorded elsewhere (in an export, a signed receipt, another system). A chain
   * alone cannot show that its newest entries were removed or its last entry rewritten; with a head
   * it can: the log must reach `head.seq` and hold that very entry there.
   */
  head?: AuditChainLink | undefined;
}

export interface AuditChainVerifier {
  /** Checks the next page of entries, in seq order; false once the chain is broken (stop reading then). */
  add(entries: Iterable<AuditEntry>): boolean;
  /** Checks what is left and says whether the whole chain holds. */
  finish(): AuditChainResult;
}

type Failure = Extract<AuditChainResult, { ok: false }>;

/**
 * A verifier that reads the chain a page at a time, keeping only the last verified entry and one
 * entry of look-ahead (which tells a swap from a deletion), so a million entries can stream
 * through it from a database cursor.
 *
 * @example
 * const verifier = createAuditChainVerifier({ checkpoint });
 * for await (const page of store.auditPages({ after: checkpoint.seq, size: 1000 })) if (!verifier.add(page)) break;
 * const result = verifier.finish(); // { ok: false, brokenAt: 1042, problem: 'edited', message }
 */
export function createAuditChainVerifier(options: AuditChainVerifyOptions = {}): AuditChainVerifier {
  const start = options.checkpoint ?? { seq: 0, hash: auditGenesisHash };
  let last: AuditChainLink = { seq: start.seq, hash: start.hash };
  let pending: AuditEntry | undefined;
  let failure: Failure | undefined;
  let checked = 0;
  let finished: AuditChainResult | undefined;

  const fail = (brokenAt: number, problem: AuditChainProblem, message: string): void => {
    // The entries verified form one run from the start to `last`; count those before the break.
    failure = { ok: false, brokenAt, problem, message, checked: Math.max(0, Math.min(last.seq, brokenAt - 1) - start.seq) };
  };
  const previousName = (): string =>
    last.seq === start.seq ? (options.checkpoint === undefined ? 'the genesis hash' : `the checkpoint (entry ${start.seq})`) : `entry ${last.seq}`;

  /** Checks `entry`, the one after `last`; `next` is the entry after it, if any. */
  function check(entry: AuditEntry, next: AuditEntry | undefined): void {
    const expected = last.seq + 1;
    const problem = auditEntryProblem(entry);
    if (problem !== undefined) return fail(expected, 'malformed', `The entry after ${previousName()} is malformed: ${problem}.`);
    let hash: string;
    try {
      hash = auditEntryHash(entry.prevHash, entry);
    } catch {
      return fail(expected, 'malformed', `The entry after ${previousName()} is malformed: its details are not JSON.`);
    }
    if (hash !== entry.hash) {
      const claim = entry.seq === expected ? '' : ` (it claims seq ${entry.seq})`;
      return fail(expected, 'edited', `Entry ${expected} was edited${claim}: its hash does not match its content.`);
    }
    if (entry.seq === expected) {
      if (entry.prevHash === last.hash) {
        last = { seq: entry.seq, hash: entry.hash };
        checked += 1;
        return;
      }
      if (next?.seq === entry.seq) return fail(entry.seq, 'inserted', `Entry ${entry.seq} appears twice, and this copy does not link to ${previousName()}.`);
      if (last.seq === start.seq) return fail(entry.seq, 'unlinked', `Entry ${entry.seq} does not link to ${previousName()}.`);
      return fail(last.seq, 'rewritten', `Entry ${last.seq} was rewritten: its hash was recomputed, and entry ${entry.seq} no longer links to it.`);
    }
    if (entry.seq === last.seq) return fail(entry.seq, 'inserted', `Entry ${entry.seq} appears twice: an entry was inserted.`);
    if (entry.seq < last.seq) return fail(entry.seq, 'reordered', `Entry ${entry.seq} is out of order: it comes after entry ${last.seq}.`);
    // A gap: entries were deleted, or the one expected here comes later.
    if (next?.seq === expected) {
      if (entry.prevHash === next.hash) return fail(expected, 'reordered', `Entry ${expected} is out of order: entry ${entry.seq} comes before it.`);
      return fail(entry.seq, 'inserted', `Entry ${entry.seq} does not belong between ${previousName()} and entry ${expected}: it was inserted.`);
    }
    const missing = entry.seq - expected === 1 ? `Entry ${expected} is missing` : `Entries ${expected} to ${entry.seq - 1} are missing`;
    const hint = last.seq === 0 && options.checkpoint === undefined ? ' (a pruned log is verified from its checkpoint)' : '';
    return fail(expected, 'deleted', `${missing}: entry ${entry.seq} follows ${previousName()}${hint}.`);
  }

  /** With a recorded head: the entry at head.seq must be that very entry. */
  function checkHead(entry: AuditChainLink): void {
    if (options.head !== undefined && entry.seq === options.head.seq && entry.hash !== options.head.hash) {
      fail(entry.seq, 'rewritten', `Entry ${entry.seq} is not the entry the recorded head names: it was rewritten.`);
    }
  }

  return {
    add(entries) {
      if (finished !== undefined) throw new KeelError({ code: 'INTERNAL', message: 'This audit chain verifier has already finished.' });
      for (const entry of entries) {
        if (failure !== undefined) return false;
        if (pending !== undefined) {
          check(pending, entry);
          if (failure === undefined) checkHead(last);
        }
        pending = entry;
      }
      return failure === undefined;
    },
    finish() {
      if (finished !== undefined) return finished;
      if (failure === undefined && pending !== undefined) {
        check(pending, undefined);
        if (failure === undefined) checkHead(last);
      }
      if (failure === undefined && options.head !== undefined && last.seq < options.head.seq) {
        fail(
          last.seq + 1,
          'truncated',
          `The log ends at ${previousName()}, but the recorded head is entry ${options.head.seq}: entries were removed from its end.`,
        );
      }
      finished = failure ?? { ok: true, checked, lastSeq: last.seq, lastHash: last.hash };
      return finished;
    },
  };
}

/**
 * Verifies a whole chain in memory. For a log too large for that, use `verifyAuditChainPages` or
 * `createAuditChainVerifier`.
 *
 * @example
 * const result = verifyAuditChain(entries);
 * if (!result.ok) console.error(`audit log broken at entry ${result.brokenAt} (${result.problem}): ${result.message}`);
 */
export function verifyAuditChain(entries: Iterable<AuditEntry>, options: AuditChainVerifyOptions = {}): AuditChainResult {
  const verifier = createAuditChainVerifier(options);
  verifier.add(entries);
  return verifier.finish();
}

/**
 * Verifies a chain read page by page (an async iterable of pages in seq order), and stops reading
 * at the first break.
 *
 * @example
 * const result = await verifyAuditChainPages(readAuditPages(store, { size: 1000 }), { checkpoint });
 */
export async function verifyAuditChainPages(
  pages: AsyncIterable<Iterable<AuditEntry>> | Iterable<Iterable<AuditEntry>>,
  options: AuditChainVerifyOptions = {},
): Promise<AuditChainResult> {
  const verifier = createAuditChainVerifier(options);
  for await (const page of pages) if (!verifier.add(page)) break;
  return verifier.finish();
}
