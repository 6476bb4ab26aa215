import { describe, expect, it } from 'vitest';
import type { AllTenantsRunQuery, RunQuery } from '../store.ts';
import { type CurrentStore, expectKeelError, finishRun, newRun, start } from './fixtures.ts';

/** The operator's reads across tenants (`keel runs … --all-tenants`), and that tenant queries stay scoped. */
export function describeOperatorRunsContract(current: CurrentStore): void {
  describe('runs across tenants (operator)', () => {
    it("lists every tenant's runs newest first, in pages, with the same filters as one tenant's", async () => {
      const store = current();
      const created: string[] = [];
      for (const tenantId of ['tenant-a', 'tenant-b', 'tenant-a', 'tenant-c', 'tenant-b']) {
        created.push((await store.createRun(newRun({ tenantId, agent: tenantId === 'tenant-c' ? 'billing' : 'support', now: start }))).run.id);
      }
      await finishRun(store, created[1] ?? '', 'failed');

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listRuns({ allTenants: true, limit: 2, cursor });
        seen.push(...page.runs.map((run) => run.id));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      expect(seen).toEqual([...created].reverse());

      const ids = async (query: AllTenantsRunQuery) => (await store.listRuns(query)).runs.map((run) => run.id);
      expect(await ids({ allTenants: true, status: 'failed' })).toEqual([created[1]]);
      expect(await ids({ allTenants: true, agent: 'billing' })).toEqual([created[3]]);
      expect((await store.listRuns({ allTenants: true })).runs.map((run) => run.tenantId)).toEqual([
        'tenant-b',
        'tenant-c',
        'tenant-a',
        'tenant-b',
        'tenant-a',
      ]);
    });

    it('keeps a query that names a tenant in that tenant, whatever else it says', async () => {
      const store = current();
      const own = await store.createRun(newRun({ tenantId: 'tenant-a' }));
      await store.createRun(newRun({ tenantId: 'tenant-b' }));
      const mixed = { tenantId: 'tenant-a', allTenants: true } as RunQuery;
      expect((await store.listRuns(mixed)).runs.map((run) => run.id)).toEqual([own.run.id]);
      await expectKeelError(store.listRuns({} as RunQuery), 'INTERNAL');
    });

    it("finds a run's tenant by the run's id alone", async () => {
      const store = current();
      const { run } = await store.createRun(newRun({ tenantId: 'tenant-b' }));
      expect(await store.findRunTenant(run.id)).toBe('tenant-b');
      expect(await store.findRunTenant('run-unknown')).toBeUndefined();
    });
  });
}
