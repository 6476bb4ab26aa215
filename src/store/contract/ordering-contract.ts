import { describe, expect, it } from 'vitest';
import type { NewApiKey } from '../api-key-store.ts';
import { type CurrentStore, newRun, start, uniqueId } from './fixtures.ts';

/**
 * Every listing that promises an order keeps it when records share a timestamp: each record
 * below is created with the same `now`, and its id sorts the opposite way to its creation, so an
 * adapter that broke the tie by time or by id would list them in the wrong order.
 */
export function describeOrderingContract(current: CurrentStore): void {
  describe('order under identical timestamps', () => {
    /** Ids that sort (as text) in the reverse of the order they are created in. */
    const reverseSortingIds = (kind: string, count: number): string[] => {
      const tag = uniqueId(kind);
      return Array.from({ length: count }, (_, index) => `${tag}-${String.fromCharCode(122 - index)}`);
    };

    it('lists API keys created at the same instant in creation order, in one tenant and across tenants', async () => {
      const store = current();
      const ids = reverseSortingIds('key', 4);
      const key = (id: string, tenantId: string): NewApiKey => ({
        id,
        tenantId,
        name: id,
        role: 'app',
        keyHash: `hash-of-${id}`,
        prefix: 'keel_abcdefg',
        now: start,
      });
      const created = [];
      for (const [index, id] of ids.entries()) created.push(await store.createApiKey(key(id, index % 2 === 0 ? 'tenant-a' : 'tenant-b')));

      expect((await store.listApiKeys()).map((record) => record.id)).toEqual(ids);
      expect((await store.listApiKeys({ tenantId: 'tenant-a' })).map((record) => record.id)).toEqual([ids[0], ids[2]]);
      // Revoking changes nothing about the order.
      await store.revokeApiKey(ids[0] ?? '', { now: start });
      expect((await store.listApiKeys()).map((record) => record.id)).toEqual(ids);
      expect(created.map((record) => record.createdAt)).toEqual(ids.map(() => start.toISOString()));
    });

    it('lists runs created at the same instant newest first, across pages', async () => {
      const store = current();
      const ids = reverseSortingIds('run', 5);
      for (const id of ids) await store.createRun(newRun({ id, now: start }));
      const first = await store.listRuns({ tenantId: 'tenant-a', limit: 2 });
      const rest = await store.listRuns({ tenantId: 'tenant-a', cursor: first.nextCursor });
      expect([...first.runs, ...rest.runs].map((run) => run.id)).toEqual([...ids].reverse());
    });

    it('claims runs created at the same instant oldest first', async () => {
      const store = current();
      const ids = reverseSortingIds('run', 4);
      for (const id of ids) await store.createRun(newRun({ id, now: start }));
      const leases = await store.claimRunnable({ owner: 'worker-1', leaseMs: 30_000, now: start, limit: 10 });
      expect(leases.map((lease) => lease.runId)).toEqual(ids);
    });
  });
}
