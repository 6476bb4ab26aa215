import { describe, expect, it } from 'vitest';
import { appendAs, finishRun } from '../contract/fixtures.ts';
import type { Lease, NewRun, Store } from '../store.ts';
import { createPostgresStore } from './postgres-store.ts';
import { describePostgres, testDatabaseUrl, type TestSchemas } from './postgres-test-database.ts';

/*
 * Several store instances — each its own pool, as N nodes would have — racing on one schema.
 * The contract suite races calls of one store; these race separate pools, so every claim and
 * reservation really runs in its own transaction on its own connection at the same time.
 */

const now = new Date('2030-01-01T00:00:00.000Z');
const leaseMs = 600_000;

function newRun(index: number, overrides: Partial<NewRun> = {}): NewRun {
  return {
    id: `run-${index}`,
    tenantId: 'tenant-a',
    agent: 'support',
    sessionId: `session-${index}`,
    userId: 'user-1',
    input: 'hello',
    sessionPolicy: 'queue',
    now,
    ...overrides,
  };
}

async function nodes(schemas: TestSchemas, count: number): Promise<Store[]> {
  const schema = await schemas.create();
  const stores = Array.from({ length: count }, () => createPostgresStore({ connectionString: testDatabaseUrl, schema, poolSize: 4 }));
  await Promise.all(stores.map((store) => store.migrate()));
  return stores;
}

function first(stores: Store[]): Store {
  const [store] = stores;
  if (store === undefined) throw new Error('expected a store');
  return store;
}

async function closeAll(stores: Store[]): Promise<void> {
  await Promise.all(stores.map((store) => store.close()));
}

await describePostgres('postgres races between nodes', (schemas) => {
  describe('claims', () => {
    it('claims each run once and never passes a tenant cap while nodes claim and finish runs at once', async () => {
      const stores = await nodes(schemas, 3);
      const admin = first(stores);
      const caps: Record<string, number | null> = { 'tenant-a': 4, 'tenant-b': 2, 'tenant-c': null };
      for (const [tenantId, cap] of Object.entries(caps)) await admin.setTenantLimits(tenantId, { maxConcurrentRuns: cap });
      const runCount = 90;
      for (let index = 0; index < runCount; index += 1) {
        await admin.createRun(newRun(index, { tenantId: Object.keys(caps)[index % 3], userId: `user-${index % 5}` }));
      }

      const claims = new Map<string, number>();
      const holding: Record<string, number> = {};
      const take = (lease: Lease) => {
        const { tenantId } = lease.run;
        claims.set(lease.runId, (claims.get(lease.runId) ?? 0) + 1);
        holding[tenantId] = (holding[tenantId] ?? 0) + 1;
        const cap = caps[tenantId];
        if (cap !== null && cap !== undefined) expect(holding[tenantId]).toBeLessThanOrEqual(cap);
      };
      // Finishes a run the way a worker does; the held count drops before run-end frees the
      // slot in the database, so it never runs behind the database's count.
      const finish = async (store: Store, lease: Lease) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
        await appendAs(store, lease, [{ type: 'text-delta', step: 1, attempt: 1, text: 'working' }], { status: 'running', startedAt: now });
        holding[lease.run.tenantId] = (holding[lease.run.tenantId] ?? 0) - 1;
        await appendAs(store, lease, [{ type: 'run-end', status: 'completed' }], { status: 'completed', endedAt: now });
        await store.releaseLease(lease.runId, lease.epoch);
      };
      const workers = stores.flatMap((store, node) => Array.from({ length: 4 }, (_, index) => ({ store, owner: `node-${node}-worker-${index}` })));

      // First, twelve claims at once, nothing finishing: the tenants with a cap fill it exactly,
      // the uncapped one takes the rest (tenants take turns, so the split is deterministic).
      const opening = (await Promise.all(workers.map(({ store, owner }) => store.claimRunnable({ owner, leaseMs, now, limit: 1 })))).map((leases) => leases[0]);
      const tenantsOf = opening.map((lease) => lease?.run.tenantId ?? 'none');
      expect({ a: tenantsOf.filter((tenant) => tenant === 'tenant-a').length, b: tenantsOf.filter((tenant) => tenant === 'tenant-b').length }).toEqual({
        a: 4,
        b: 2,
      });
      for (const lease of opening) if (lease !== undefined) take(lease);

      // Then every worker finishes its run and claims the next, until nothing is left.
      const work = async ({ store, owner }: { store: Store; owner: string }, held: Lease | undefined) => {
        if (held !== undefined) await finish(store, held);
        for (;;) {
          const [lease]: Lease[] = await store.claimRunnable({ owner, leaseMs, now, limit: 1 });
          if (lease === undefined) {
            // Nothing queued or running means every run is done.
            if (!(await anyUnfinished(admin, Object.keys(caps)))) return;
            await new Promise((resolve) => setTimeout(resolve, 2));
            continue;
          }
          take(lease);
          await finish(store, lease);
        }
      };
      await Promise.all(workers.map((worker, index) => work(worker, opening[index])));

      expect(claims.size).toBe(runCount);
      expect([...claims.values()].every((count) => count === 1)).toBe(true);
      await closeAll(stores);
    });

    it('leases exactly up to the cap when every node claims as much as it can at once', async () => {
      const stores = await nodes(schemas, 4);
      const admin = first(stores);
      await admin.setTenantLimits('tenant-a', { maxConcurrentRuns: 7 });
      for (let index = 0; index < 40; index += 1) await admin.createRun(newRun(index, { userId: `user-${index % 4}` }));
      const results = await Promise.all(
        stores.flatMap((store, node) =>
          Array.from({ length: 4 }, (_, index) => store.claimRunnable({ owner: `node-${node}-${index}`, leaseMs, now, limit: 3 })),
        ),
      );
      const runIds = results.flat().map((lease) => lease.runId);
      expect(runIds).toHaveLength(7);
      expect(new Set(runIds).size).toBe(7);
      await closeAll(stores);
    });

    it('gives one specific run to exactly one of many nodes claiming it at once', async () => {
      const stores = await nodes(schemas, 4);
      const { run } = await first(stores).createRun(newRun(1));
      const results = await Promise.all(
        stores.flatMap((store, node) => [1, 2, 3].map((index) => store.claimRun(run.id, { owner: `node-${node}-${index}`, leaseMs, now }))),
      );
      expect(results.filter((lease) => lease !== undefined)).toMatchObject([{ epoch: 1 }]);
      await closeAll(stores);
    });
  });

  describe('budgets', () => {
    it('never lets reservations of many nodes together pass a budget, with overlapping budgets and no deadlock', async () => {
      const stores = await nodes(schemas, 3);
      const admin = first(stores);
      // Every run is covered by the agent budget and the tenant budget; some by a user budget too.
      await admin.putBudget({ tenantId: 'tenant-a', scope: 'agent', scopeId: 'support', limitNanoUsd: 1_000, period: 'total', now });
      await admin.putBudget({ tenantId: 'tenant-a', scope: 'tenant', scopeId: 'tenant-a', limitNanoUsd: 5_000, period: 'total', now });
      await admin.putBudget({ tenantId: 'tenant-a', scope: 'user', scopeId: 'user-0', limitNanoUsd: 200, period: 'total', now });
      const leases: Lease[] = [];
      for (let index = 0; index < 60; index += 1) {
        const { run } = await admin.createRun(newRun(index, { userId: `user-${index % 3}` }));
        const lease = await admin.claimRun(run.id, { owner: 'worker', leaseMs, now });
        if (lease === undefined) throw new Error('expected a lease');
        leases.push(lease);
      }

      const results = await Promise.all(
        leases.map((lease, index) =>
          (stores[index % stores.length] ?? admin).reserveBudget({
            reservationId: `reservation-${index}`,
            runId: lease.runId,
            subject: { tenantId: 'tenant-a', userId: lease.run.userId, agent: 'support', sessionId: lease.run.sessionId },
            amountNanoUsd: 50,
            now,
          }),
        ),
      );
      const granted = results.filter((result) => result.ok);
      // 1,000 of agent budget at 50 each: exactly 20 fit, however the race went.
      expect(granted).toHaveLength(20);
      const [agent] = await admin.listBudgets('tenant-a', { scope: 'agent', now });
      expect(agent).toMatchObject({ reservedNanoUsd: 1_000 });
      const [user] = await admin.listBudgets('tenant-a', { scope: 'user', scopeId: 'user-0', now });
      expect(user?.reservedNanoUsd).toBeLessThanOrEqual(200);
      await closeAll(stores);
    });
  });

  describe('appends', () => {
    it('lets exactly one of many nodes append with the same fence', async () => {
      const stores = await nodes(schemas, 4);
      const { run } = await first(stores).createRun(newRun(1));
      const lease = await first(stores).claimRun(run.id, { owner: 'worker', leaseMs, now });
      if (lease === undefined) throw new Error('expected a lease');
      const attempts = stores.flatMap((store) =>
        [1, 2].map((attempt) => store.append({ runId: run.id, epoch: lease.epoch, lastSeq: 1, now }, [{ type: 'text-delta', step: 1, attempt, text: 'x' }])),
      );
      const outcomes = await Promise.allSettled(attempts);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'LEASE_LOST' });
      expect((await first(stores).readJournal(run.id)).map((entry) => entry.seq)).toEqual([1, 2]);
      await finishRun(first(stores), run.id, 'completed', new Date(now.getTime() + leaseMs));
      await closeAll(stores);
    });

    it('creates exactly one run from the same idempotency key sent to many nodes at once', async () => {
      const stores = await nodes(schemas, 4);
      const results = await Promise.all(
        stores.flatMap((store, node) => [1, 2].map((index) => store.createRun(newRun(node * 10 + index, { idempotencyKey: 'key-1', sessionId: 'thread' })))),
      );
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.run.id)).size).toBe(1);
      expect((await first(stores).listRuns({ tenantId: 'tenant-a' })).runs).toHaveLength(1);
      await closeAll(stores);
    });
  });
});

async function anyUnfinished(store: Store, tenants: string[]): Promise<boolean> {
  for (const tenantId of tenants) {
    for (const status of ['queued', 'running'] as const) {
      if ((await store.listRuns({ tenantId, status, limit: 1 })).runs.length > 0) return true;
    }
  }
  return false;
}
