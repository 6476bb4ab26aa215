import { describe, expect, it } from 'vitest';
import { auditEntryHash, auditGenesisHash, nextAuditEntry, type AuditActor, type AuditEntry } from './audit-chain.ts';
import {
  createAuditChainVerifier,
  verifyAuditChain,
  verifyAuditChainPages,
  type AuditChainResult,
  type AuditChainVerifyOptions,
} from './verify-audit-chain.ts';

const actors: AuditActor[] = [
  { kind: 'key', id: 'key_1', name: 'deploy' },
  { kind: 'reviewer', id: 'rev_1' },
  { kind: 'system', id: 'keel' },
  { kind: 'user', id: 'alice' },
];
const actions = ['key.create', 'approval.decide', 'credential.use', 'policy.update'];

/** A genuine chain of `length` entries, one second apart. */
function chain(length = 10): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let index = 0; index < length; index += 1) {
    entries.push(
      nextAuditEntry({
        previous: entries.at(-1),
        tenant: 'acme',
        actor: actors[index % actors.length] as AuditActor,
        action: actions[index % actions.length] as string,
        subject: `run:run_${index}`,
        details: { index, note: `entry ${index + 1}`, nested: { even: index % 2 === 0 } },
        now: () => new Date(Date.UTC(2025, 2, 1, 9, 0, index)),
      }),
    );
  }
  return entries;
}

const genuine = chain();
const at = (seq: number): AuditEntry => genuine[seq - 1] as AuditEntry;
/** Entry `seq` with its content changed and its hash left as it was. */
const edited = (seq: number, patch: Partial<AuditEntry>): AuditEntry => ({ ...at(seq), ...patch });
/** Entry `seq` changed, its hash recomputed so it is consistent with itself again. */
const rewritten = (seq: number, patch: Partial<AuditEntry>): AuditEntry => rehash({ ...at(seq), ...patch });
const rehash = (entry: AuditEntry): AuditEntry => ({ ...entry, hash: auditEntryHash(entry.prevHash, entry) });
/** The genuine chain with entries replaced: `{ 5: entry }`, or `{ 5: null }` to delete entry 5. */
function replace(changes: Record<number, AuditEntry | AuditEntry[] | null>): AuditEntry[] {
  return genuine.flatMap((entry) => {
    const change = changes[entry.seq];
    if (change === undefined) return [entry];
    if (change === null) return [];
    return Array.isArray(change) ? change : [change];
  });
}
/** An entry an attacker made up, hashed and linked to `previous`. */
const forged = (seq: number, previous: AuditEntry, subject = 'run:forged'): AuditEntry => rehash({ ...at(5), seq, subject, prevHash: previous.hash });

interface Case {
  name: string;
  entries: AuditEntry[];
  options?: AuditChainVerifyOptions;
  expected: { brokenAt: number; problem: string; message?: string; checked?: number };
}

const cases: Case[] = [
  {
    name: 'details edited',
    entries: replace({ 5: edited(5, { details: { index: 4, note: 'entry 5', nested: { even: false } } }) }),
    expected: { brokenAt: 5, problem: 'edited' },
  },
  { name: 'actor edited', entries: replace({ 3: edited(3, { actor: { kind: 'system', id: 'someone-else' } }) }), expected: { brokenAt: 3, problem: 'edited' } },
  { name: 'time edited', entries: replace({ 7: edited(7, { time: '2025-03-01T09:00:59.000Z' }) }), expected: { brokenAt: 7, problem: 'edited' } },
  { name: 'tenant edited', entries: replace({ 1: edited(1, { tenant: 'other' }) }), expected: { brokenAt: 1, problem: 'edited' } },
  { name: 'action edited', entries: replace({ 10: edited(10, { action: 'key.revoke' }) }), expected: { brokenAt: 10, problem: 'edited' } },
  { name: 'prevHash edited', entries: replace({ 6: edited(6, { prevHash: at(4).hash }) }), expected: { brokenAt: 6, problem: 'edited' } },
  {
    name: 'seq edited',
    entries: replace({ 5: edited(5, { seq: 50 }) }),
    expected: { brokenAt: 5, problem: 'edited', message: 'Entry 5 was edited (it claims seq 50)' },
  },
  {
    name: 'one entry deleted',
    entries: replace({ 5: null }),
    expected: { brokenAt: 5, problem: 'deleted', message: 'Entry 5 is missing: entry 6 follows entry 4.' },
  },
  {
    name: 'three entries deleted',
    entries: replace({ 4: null, 5: null, 6: null }),
    expected: { brokenAt: 4, problem: 'deleted', message: 'Entries 4 to 6 are missing' },
  },
  {
    name: 'first entry deleted',
    entries: replace({ 1: null }),
    expected: { brokenAt: 1, problem: 'deleted', message: 'a pruned log is verified from its checkpoint' },
  },
  { name: 'last entry deleted, head recorded', entries: replace({ 10: null }), options: { head: at(10) }, expected: { brokenAt: 10, problem: 'truncated' } },
  {
    name: 'entry duplicated after itself',
    entries: replace({ 5: [at(5), forged(5, at(4))] }),
    expected: { brokenAt: 5, problem: 'inserted', message: 'Entry 5 appears twice' },
  },
  { name: 'forged copy inserted before the real one', entries: replace({ 5: [forged(5, at(4)), at(5)] }), expected: { brokenAt: 5, problem: 'inserted' } },
  { name: 'unlinked copy inserted before the real one', entries: replace({ 5: [forged(5, at(8)), at(5)] }), expected: { brokenAt: 5, problem: 'inserted' } },
  {
    name: 'entry with a new seq inserted',
    entries: replace({ 5: [forged(1000, at(4)), at(5)] }),
    expected: { brokenAt: 1000, problem: 'inserted', checked: 4 },
  },
  {
    name: 'two entries swapped',
    entries: replace({ 5: at(6), 6: at(5) }),
    expected: { brokenAt: 5, problem: 'reordered', message: 'Entry 5 is out of order: entry 6 comes before it.' },
  },
  { name: 'first two swapped', entries: replace({ 1: at(2), 2: at(1) }), expected: { brokenAt: 1, problem: 'reordered' } },
  { name: 'last two swapped', entries: replace({ 9: at(10), 10: at(9) }), expected: { brokenAt: 9, problem: 'reordered' } },
  { name: 'old entry repeated later', entries: [...genuine, at(3)], expected: { brokenAt: 3, problem: 'reordered' } },
  {
    name: 'entry rewritten',
    entries: replace({ 5: rewritten(5, { subject: 'run:innocent' }) }),
    expected: { brokenAt: 5, problem: 'rewritten', message: 'entry 6 no longer links to it' },
  },
  { name: 'first entry rewritten', entries: replace({ 1: rewritten(1, { details: {} }) }), expected: { brokenAt: 1, problem: 'rewritten' } },
  {
    name: 'last entry rewritten, head recorded',
    entries: replace({ 10: rewritten(10, { details: {} }) }),
    options: { head: at(10) },
    expected: { brokenAt: 10, problem: 'rewritten' },
  },
  {
    name: 'middle entry rewritten, head recorded',
    entries: replace({ 4: rewritten(4, { details: {} }) }),
    options: { head: at(10) },
    expected: { brokenAt: 4, problem: 'rewritten' },
  },
  {
    name: 'first entry relinked',
    entries: replace({ 1: rewritten(1, { prevHash: 'f'.repeat(64) }) }),
    expected: { brokenAt: 1, problem: 'unlinked', message: 'does not link to the genesis hash' },
  },
  {
    name: 'pruned log from a wrong checkpoint',
    entries: genuine.slice(4),
    options: { checkpoint: { seq: 4, hash: at(3).hash } },
    expected: { brokenAt: 5, problem: 'unlinked', message: 'does not link to the checkpoint (entry 4)' },
  },
  {
    name: 'pruned log, checkpoint too early',
    entries: genuine.slice(4),
    options: { checkpoint: { seq: 3, hash: at(3).hash } },
    expected: { brokenAt: 4, problem: 'deleted' },
  },
  { name: 'hash not hex', entries: replace({ 2: edited(2, { hash: 'not-a-hash' }) }), expected: { brokenAt: 2, problem: 'malformed' } },
  { name: 'seq not a number', entries: replace({ 8: edited(8, { seq: '8' as unknown as number }) }), expected: { brokenAt: 8, problem: 'malformed' } },
  { name: 'actor missing', entries: replace({ 3: edited(3, { actor: undefined as unknown as AuditActor }) }), expected: { brokenAt: 3, problem: 'malformed' } },
  { name: 'details not JSON', entries: replace({ 9: edited(9, { details: { count: Number.NaN } }) }), expected: { brokenAt: 9, problem: 'malformed' } },
];

/** Splits entries into pages of `size`. */
function pages(entries: AuditEntry[], size: number): AuditEntry[][] {
  const result: AuditEntry[][] = [];
  for (let index = 0; index < entries.length; index += size) result.push(entries.slice(index, index + size));
  return result;
}

function paged(entries: AuditEntry[], size: number, options: AuditChainVerifyOptions = {}): AuditChainResult {
  const verifier = createAuditChainVerifier(options);
  for (const page of pages(entries, size)) if (!verifier.add(page)) break;
  return verifier.finish();
}

describe('verifyAuditChain', () => {
  it('accepts a genuine chain and reports its last entry', () => {
    expect(verifyAuditChain(genuine)).toEqual({ ok: true, checked: 10, lastSeq: 10, lastHash: at(10).hash });
    expect(verifyAuditChain(genuine, { head: at(10) }).ok).toBe(true);
    expect(verifyAuditChain(genuine, { head: at(6) }).ok, 'entries appended after the recorded head are fine').toBe(true);
  });

  it('accepts an empty log, which ends where it starts', () => {
    expect(verifyAuditChain([])).toEqual({ ok: true, checked: 0, lastSeq: 0, lastHash: auditGenesisHash });
    expect(verifyAuditChain([], { checkpoint: { seq: 4, hash: at(4).hash } })).toEqual({ ok: true, checked: 0, lastSeq: 4, lastHash: at(4).hash });
  });

  it('verifies a pruned log from the checkpoint of its last pruned entry', () => {
    expect(verifyAuditChain(genuine.slice(4), { checkpoint: { seq: 4, hash: at(4).hash } })).toEqual({
      ok: true,
      checked: 6,
      lastSeq: 10,
      lastHash: at(10).hash,
    });
  });

  for (const { name, entries, options, expected } of cases) {
    it(`names the first broken entry: ${name}`, () => {
      const result = verifyAuditChain(entries, options);
      expect(result).toMatchObject({ ok: false, brokenAt: expected.brokenAt, problem: expected.problem });
      if (expected.message !== undefined) expect(result.ok ? '' : result.message).toContain(expected.message);
      // every entry before the break was verified, and is counted (a pruned log starts after its checkpoint)
      const first = options?.checkpoint === undefined ? 1 : options.checkpoint.seq + 1;
      expect(result.ok ? -1 : result.checked).toBe(expected.checked ?? expected.brokenAt - first);
    });
  }

  it('catches a chain rewritten and relinked to its end at the recorded head', () => {
    const relinked = genuine.slice(0, 5);
    for (const entry of genuine.slice(5)) relinked.push(rehash({ ...entry, details: {}, prevHash: (relinked.at(-1) as AuditEntry).hash }));
    expect(verifyAuditChain(relinked).ok, 'consistent in itself').toBe(true);
    expect(verifyAuditChain(relinked, { head: at(8) })).toMatchObject({ ok: false, brokenAt: 8, problem: 'rewritten' });
  });

  it('cannot tell a rewritten last entry or a removed tail from the real thing without a recorded head', () => {
    expect(verifyAuditChain(replace({ 10: rewritten(10, { details: {} }) })).ok).toBe(true);
    expect(verifyAuditChain(replace({ 10: null, 9: null })).ok).toBe(true);
  });
});

describe('createAuditChainVerifier', () => {
  it('gives the same answer whatever the page size, the look-ahead crossing page boundaries', () => {
    for (const { name, entries, options } of [...cases, { name: 'genuine', entries: genuine, options: {} }]) {
      const whole = verifyAuditChain(entries, options);
      for (const size of [1, 2, 3, 4, 7, 100]) expect(paged(entries, size, options), `${name}, pages of ${size}`).toEqual(whole);
    }
  });

  it('says to stop reading at the first break, and keeps the first break', () => {
    const verifier = createAuditChainVerifier();
    expect(verifier.add(genuine.slice(0, 4))).toBe(true);
    expect(verifier.add([edited(5, { subject: 'x' }), at(6)])).toBe(false);
    expect(verifier.add(replace({ 1: null }).slice(6))).toBe(false);
    expect(verifier.finish()).toMatchObject({ ok: false, brokenAt: 5, problem: 'edited' });
    expect(() => verifier.add([])).toThrow('already finished');
  });
});

describe('verifyAuditChainPages', () => {
  it('verifies pages from an async source and stops pulling them at the first break', async () => {
    let pulled = 0;
    async function* source(entries: AuditEntry[]): AsyncGenerator<AuditEntry[]> {
      for (const page of pages(entries, 2)) {
        pulled += 1;
        await Promise.resolve();
        yield page;
      }
    }
    expect(await verifyAuditChainPages(source(genuine))).toMatchObject({ ok: true, checked: 10 });
    expect(pulled).toBe(5);
    pulled = 0;
    expect(await verifyAuditChainPages(source(replace({ 3: edited(3, { subject: 'x' }) })))).toMatchObject({ ok: false, brokenAt: 3, problem: 'edited' });
    expect(pulled, 'entry 3 is checked once page 2 arrives, with entry 4 as its look-ahead').toBe(2);
  });
});
