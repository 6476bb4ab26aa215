import { describe, expect, it } from 'vitest';
import { defaultLimitsTenant } from '../limits-store.ts';
import type { Lease, NewRun, Store } from '../store.ts';
import { appendAs, at, type CurrentStore, newRun, start } from './fixtures.ts';

const leaseMs = 30_000;

/** Creates `count` runs one after another (so in creation order), each in its own session. */
async function queueRuns(store: Store, count: number, overrides: Partial<NewRun> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) ids.push((await store.createRun(newRun(overrides))).run.id);
  return ids;
}

async function claimUpTo(store: Store, limit: number, owner = 'worker-1', now = start): Promise<Lease[]> {
  return await store.claimRunnable({ owner, leaseMs, now, limit });
}

/** Ends a claimed run and gives its lease back, as a worker does when a run completes. */
async function complete(store: Store, lease: Lease): Promise<void> {
  await appendAs(store, lease, [{ type: 'run-end', status: 'completed' }], { status: 'completed', endedAt: start });
  await store.releaseLease(lease.runId, lease.epoch);
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

export function describeFairClaimContract(current: CurrentStore): void {
  describe('fair claims', () => {
    it("claims user B's run at the first claim after it is queued, while user A has 200 queued and 8 executing", async () => {
      const store = current();
      await queueRuns(store, 200, { userId: 'user-a' });
      const executing = await claimUpTo(store, 8);
      expect(executing.map((lease) => lease.run.userId)).toEqual(Array(8).fill('user-a'));
      const [userB] = await queueRuns(store, 1, { userId: 'user-b' });

      const first = executing[0];
      if (first === undefined) throw new Error('expected leases');
      await complete(store, first);
      const [next] = await claimUpTo(store, 1);
      expect(next?.runId).toBe(userB);
    });

    it("with nothing executing, claims user B's run among the first two, however many runs user A queued first", async () => {
      const store = current();
      await queueRuns(store, 200, { userId: 'user-a' });
      const [userB] = await queueRuns(store, 1, { userId: 'user-b' });
      const claimed = await claimUpTo(store, 2);
      expect(claimed.map((lease) => lease.runId)).toContain(userB);
    });

    it('keeps the runs executing per user within one of each other as a worker with 8 slots works through a flood', async () => {
      const store = current();
      await queueRuns(store, 60, { userId: 'user-a' });
      await queueRuns(store, 20, { userId: 'user-b' });
      await queueRuns(store, 5, { userId: 'user-c' });
      const held: Lease[] = await claimUpTo(store, 8);
      const queued = { 'user-a': 60, 'user-b': 20, 'user-c': 5 } as Record<string, number>;
      const spreadAfterEachClaim: number[] = [];
      for (const lease of held) queued[lease.run.userId] = (queued[lease.run.userId] ?? 0) - 1;

      while (held.length > 0) {
        // The oldest claim finishes first, whoever it belongs to; the slot goes to whoever is next.
        const done = held.shift();
        if (done !== undefined) await complete(store, done);
        const [next] = await claimUpTo(store, 1);
        if (next === undefined) continue;
        held.push(next);
        queued[next.run.userId] = (queued[next.run.userId] ?? 0) - 1;
        // Among users who still have runs waiting, executing counts differ by at most one.
        const executing = countBy(held, (lease) => lease.run.userId);
        const waiting = Object.keys(queued).filter((user) => (queued[user] ?? 0) > 0);
        if (waiting.length > 1) {
          const counts = waiting.map((user) => executing[user] ?? 0);
          spreadAfterEachClaim.push(Math.max(...counts) - Math.min(...counts));
        }
      }
      expect(spreadAfterEachClaim.length).toBeGreaterThan(10);
      expect(Math.max(...spreadAfterEachClaim)).toBeLessThanOrEqual(1);
      expect(queued).toEqual({ 'user-a': 0, 'user-b': 0, 'user-c': 0 });
    });

    it("serves a tenant's single run before another tenant's backlog, the least-loaded tenant first", async () => {
      const store = current();
      await queueRuns(store, 50, { tenantId: 'tenant-x', userId: 'user-1' });
      await queueRuns(store, 50, { tenantId: 'tenant-x', userId: 'user-2' });
      const executing = await claimUpTo(store, 4);
      const [tenantY] = await queueRuns(store, 1, { tenantId: 'tenant-y' });
      const [next] = await claimUpTo(store, 1);
      expect(next?.runId).toBe(tenantY);
      expect(countBy(executing, (lease) => lease.run.userId)).toEqual({ 'user-1': 2, 'user-2': 2 });
    });

    it('still claims oldest first within one user, and keeps sessions in order', async () => {
      const store = current();
      const first = await store.createRun(newRun({ sessionId: 'thread' }));
      await store.createRun(newRun({ sessionId: 'thread' }));
      const other = await store.createRun(newRun());
      expect((await claimUpTo(store, 10)).map((lease) => lease.runId)).toEqual([first.run.id, other.run.id]);
    });
  });

  describe('concurrency caps', () => {
    it("never leases more of a tenant's runs than its cap, whatever the claim limit, and leaves other tenants alone", async () => {
      const store = current();
      await store.setTenantLimits('tenant-a', { maxConcurrentRuns: 3 });
      await queueRuns(store, 5, { userId: 'user-1' });
      await queueRuns(store, 5, { userId: 'user-2' });
      await queueRuns(store, 4, { tenantId: 'tenant-b' });

      const claimed = await claimUpTo(store, 20);
      expect(countBy(claimed, (lease) => lease.run.tenantId)).toEqual({ 'tenant-a': 3, 'tenant-b': 4 });
      expect(await claimUpTo(store, 20, 'worker-2')).toEqual([]);

      const freed = claimed.find((lease) => lease.run.tenantId === 'tenant-a');
      if (freed === undefined) throw new Error('expected a lease of tenant-a');
      await complete(store, freed);
      const next = await claimUpTo(store, 20, 'worker-2');
      expect(next.map((lease) => lease.run.tenantId)).toEqual(['tenant-a']);
    });

    it("applies the default cap, and a tenant's own cap over it", async () => {
      const store = current();
      await store.setTenantLimits(defaultLimitsTenant, { maxConcurrentRuns: 1 });
      await store.setTenantLimits('tenant-b', { maxConcurrentRuns: 2 });
      for (const tenantId of ['tenant-a', 'tenant-b', 'tenant-c']) await queueRuns(store, 3, { tenantId });
      const claimed = await claimUpTo(store, 20);
      expect(countBy(claimed, (lease) => lease.run.tenantId)).toEqual({ 'tenant-a': 1, 'tenant-b': 2, 'tenant-c': 1 });
    });

    it('stops claiming a tenant with a cap of 0, and resumes when the cap is lifted', async () => {
      const store = current();
      await store.setTenantLimits('tenant-a', { maxConcurrentRuns: 0 });
      const [run] = await queueRuns(store, 1);
      expect(await claimUpTo(store, 5)).toEqual([]);
      if (run === undefined) throw new Error('expected a run');
      expect(await store.claimRun(run, { owner: 'worker-1', leaseMs, now: start })).toBeUndefined();
      await store.setTenantLimits('tenant-a', { maxConcurrentRuns: null });
      expect((await claimUpTo(store, 5)).map((lease) => lease.runId)).toEqual([run]);
    });

    it('counts only live leases: runs of a crashed holder become capacity again when their leases expire', async () => {
      const store = current();
      await store.setTenantLimits('tenant-a', { maxConcurrentRuns: 2 });
      await queueRuns(store, 5);
      const crashed = await claimUpTo(store, 5, 'crashed-worker');
      expect(crashed).toHaveLength(2);
      expect(await claimUpTo(store, 5, 'worker-2', at(leaseMs - 1))).toEqual([]);
      const reclaimed = await claimUpTo(store, 5, 'worker-2', at(leaseMs));
      expect(reclaimed).toHaveLength(2);
      // The expired runs come back first: they are the oldest in their user's queue.
      expect(reclaimed.map((lease) => lease.runId).sort()).toEqual(crashed.map((lease) => lease.runId).sort());
    });

    it('refuses claimRun at the cap, except for a run whose cancellation was requested', async () => {
      const store = current();
      await store.setTenantLimits('tenant-a', { maxConcurrentRuns: 1 });
      const [first, second, third] = await queueRuns(store, 3);
      if (first === undefined || second === undefined || third === undefined) throw new Error('expected runs');
      const lease = await store.claimRun(first, { owner: 'worker-1', leaseMs, now: start });
      expect(lease?.runId).toBe(first);
      expect(await store.claimRun(second, { owner: 'worker-1', leaseMs, now: start })).toBeUndefined();

      await store.requestCancel('tenant-a', second);
      expect((await store.claimRun(second, { owner: 'worker-1', leaseMs, now: start }))?.runId).toBe(second);
      await store.requestCancel('tenant-a', third);
      expect((await claimUpTo(store, 5)).map((claimed) => claimed.runId)).toEqual([third]);
    });

    it('holds the cap when many claims race', async () => {
      const store = current();
      await store.setTenantLimits('tenant-a', { maxConcurrentRuns: 4 });
      await queueRuns(store, 10, { userId: 'user-1' });
      await queueRuns(store, 10, { userId: 'user-2' });
      const claims = await Promise.all(Array.from({ length: 12 }, (_, index) => claimUpTo(store, 2, `worker-${index}`)));
      expect(claims.flat()).toHaveLength(4);
    });
  });
}
