import { describe, expect, it } from 'vitest';
import type { AuditLink, AuditRecord } from '../audit-store.ts';
import { start, type CurrentStore } from './fixtures.ts';

/** A stand-in for the vault's hashing: the store only has to keep what it is given, in order. */
function entryAfter(head: AuditLink | undefined, fields: Partial<AuditRecord> = {}): AuditRecord {
  const seq = (head?.seq ?? 0) + 1;
  return {
    seq,
    time: new Date(start.getTime() + seq * 1000).toISOString(),
    tenant: 'tenant-a',
    actor: { kind: 'key', id: 'key_1', name: 'ci' },
    action: 'key.create',
    subject: `key:key_${seq}`,
    details: { role: 'app', nested: { list: [1, 'two', null] } },
    prevHash: head?.hash ?? '0'.repeat(64),
    hash: seq.toString(16).padStart(64, '0'),
    ...fields,
  };
}

export function describeAuditContract(current: CurrentStore): void {
  describe('audit log', () => {
    it('appends one gapless chain even when appends race, and reads it back exactly', async () => {
      const store = current();
      expect(await store.auditHead()).toEqual({ head: { seq: 0, hash: '0'.repeat(64) }, checkpoint: { seq: 0, hash: '0'.repeat(64), at: null } });
      const written = await Promise.all(Array.from({ length: 20 }, () => store.appendAudit((head) => entryAfter(head))));
      expect(written.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
      const read = await store.readAudit({ limit: 100 });
      expect(read.map(({ id: _id, ...entry }) => entry)).toEqual([...written].sort((a, b) => a.seq - b.seq));
      for (const [index, entry] of read.entries()) if (index > 0) expect(entry.prevHash).toBe(read[index - 1]?.hash);
      expect((await store.auditHead()).head).toEqual({ seq: 20, hash: read[19]?.hash });
    });

    it('refuses an entry that does not continue the head, and writes nothing', async () => {
      const store = current();
      await store.appendAudit((head) => entryAfter(head));
      await expect(store.appendAudit((head) => entryAfter(head, { seq: 5 }))).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(store.appendAudit((head) => entryAfter(head, { prevHash: 'f'.repeat(64) }))).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(
        store.appendAudit(() => {
          throw new Error('build failed');
        }),
      ).rejects.toThrow('build failed');
      expect(await store.readAudit({ limit: 10 })).toHaveLength(1);
      expect((await store.auditHead()).head.seq).toBe(1);
    });

    it('pages with a cursor and filters by tenant, time, actor and action', async () => {
      const store = current();
      for (let index = 0; index < 7; index += 1) {
        await store.appendAudit((head) =>
          entryAfter(head, {
            tenant: index % 2 === 0 ? 'tenant-a' : 'tenant-b',
            action: index < 4 ? 'key.create' : 'key.revoke',
            actor: { kind: 'system', id: `actor-${index % 3}` },
          }),
        );
      }
      const pages: number[][] = [];
      let after: { seq: number; id: number } | undefined;
      for (;;) {
        const page = await store.readAudit({ limit: 3, ...(after === undefined ? {} : { after }) });
        if (page.length === 0) break;
        pages.push(page.map((entry) => entry.seq));
        const last = page.at(-1);
        after = last === undefined ? undefined : { seq: last.seq, id: last.id };
      }
      expect(pages).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
      expect((await store.readAudit({ limit: 10, tenantId: 'tenant-b' })).map((entry) => entry.seq)).toEqual([2, 4, 6]);
      expect((await store.readAudit({ limit: 10, action: 'key.revoke', tenantId: 'tenant-a' })).map((entry) => entry.seq)).toEqual([5, 7]);
      expect((await store.readAudit({ limit: 10, actorId: 'actor-0' })).map((entry) => entry.seq)).toEqual([1, 4, 7]);
      const time = (seq: number) => new Date(start.getTime() + seq * 1000).toISOString();
      expect((await store.readAudit({ limit: 10, from: time(3), to: time(5) })).map((entry) => entry.seq)).toEqual([3, 4]);
    });

    it('prunes the oldest entries and records the last one pruned as the checkpoint', async () => {
      const store = current();
      for (let index = 0; index < 5; index += 1) await store.appendAudit((head) => entryAfter(head));
      const third = (await store.readAudit({ limit: 10 }))[2];
      const pruned = await store.pruneAudit({ throughSeq: 3, now: start });
      expect(pruned).toEqual({ pruned: 3, checkpoint: { seq: 3, hash: third?.hash } });
      expect((await store.readAudit({ limit: 10 })).map((entry) => entry.seq)).toEqual([4, 5]);
      expect((await store.auditHead()).checkpoint).toEqual({ seq: 3, hash: third?.hash, at: start.toISOString() });
      expect(await store.pruneAudit({ throughSeq: 2, now: start })).toEqual({ pruned: 0, checkpoint: { seq: 3, hash: third?.hash } });
      // Appends go on from the head, not from what is left in the table.
      expect((await store.appendAudit((head) => entryAfter(head))).seq).toBe(6);
    });
  });
}
