import { describe, expect, it } from 'vitest';
import { budget, claimedRun, spend, totals } from './budget-fixtures.ts';
import { type CurrentStore, appendAs, at, expectKeelError, start, usageUpdate } from './fixtures.ts';

/** The usage ledger as `queryUsage` reads it, the run's cost, requeueing and alert dedupe. */
export function describeUsageLedgerContract(current: CurrentStore): void {
  describe('usage ledger', () => {
    it('sums costs exactly, in nanodollars, however many calls there are', async () => {
      const store = current();
      await store.putBudget(budget({ limitNanoUsd: 9_000_000_000_000 }));
      const lease = await claimedRun(store);
      // 0.1 + 0.2 style amounts: exact as integers, inexact as dollars in floating point.
      const costs = [100_000_000, 200_000_000, 333_333_333, 1, 999_999_999, 7];
      for (const [index, costNanoUsd] of costs.entries()) await spend(store, lease, { step: index + 1, costNanoUsd });
      const expected = costs.reduce((sum, cost) => sum + cost, 0);

      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: expected, reserved: 0 });
      const [row] = await store.queryUsage({ tenantId: 'tenant-a', groupBy: 'tenant' });
      expect(row).toEqual({ key: 'tenant-a', inputTokens: 600, outputTokens: 120, cachedTokens: 0, costNanoUsd: expected, calls: costs.length });
    });

    it("keeps the run's cost from the patch, in dollars on the run record", async () => {
      const store = current();
      const lease = await claimedRun(store);
      expect(lease.run.costUsd).toBe(0);
      await appendAs(store, lease, [usageUpdate], { costNanoUsd: 1_234_567_891 });
      expect((await store.getRun('tenant-a', lease.runId))?.costUsd).toBe(1.234567891);
      // An append without the field leaves it as it was.
      await appendAs(store, lease, [usageUpdate], {});
      expect((await store.getRun('tenant-a', lease.runId))?.costUsd).toBe(1.234567891);
      await expectKeelError(
        appendAs(store, lease, [usageUpdate], {
          usageEntry: { step: 1, provider: 'openai', modelId: 'gpt-4o', inputTokens: 1, outputTokens: 1, cachedTokens: 0, costNanoUsd: 0.5, latencyMs: 1 },
        }),
        'INPUT_INVALID',
      );
    });

    it('groups by user, agent, model and tenant, biggest cost first', async () => {
      const store = current();
      const alice = await claimedRun(store, { userId: 'alice', agent: 'support' });
      const bob = await claimedRun(store, { userId: 'bob', agent: 'billing' });
      await spend(store, alice, { provider: 'openai', modelId: 'gpt-4o-mini', inputTokens: 10, outputTokens: 1, cachedTokens: 4, costNanoUsd: 5 });
      await spend(store, alice, { provider: 'anthropic', modelId: 'claude-haiku-4-5', inputTokens: 20, outputTokens: 2, cachedTokens: 0, costNanoUsd: 50 });
      await spend(store, bob, { provider: 'openai', modelId: 'gpt-4o-mini', inputTokens: 30, outputTokens: 3, cachedTokens: 6, costNanoUsd: 20 });

      expect(await store.queryUsage({ tenantId: 'tenant-a', groupBy: 'user' })).toEqual([
        { key: 'alice', inputTokens: 30, outputTokens: 3, cachedTokens: 4, costNanoUsd: 55, calls: 2 },
        { key: 'bob', inputTokens: 30, outputTokens: 3, cachedTokens: 6, costNanoUsd: 20, calls: 1 },
      ]);
      expect((await store.queryUsage({ tenantId: 'tenant-a', groupBy: 'agent' })).map((row) => [row.key, row.costNanoUsd])).toEqual([
        ['support', 55],
        ['billing', 20],
      ]);
      expect(await store.queryUsage({ tenantId: 'tenant-a', groupBy: 'model' })).toEqual([
        { key: 'anthropic:claude-haiku-4-5', inputTokens: 20, outputTokens: 2, cachedTokens: 0, costNanoUsd: 50, calls: 1 },
        { key: 'openai:gpt-4o-mini', inputTokens: 40, outputTokens: 4, cachedTokens: 10, costNanoUsd: 25, calls: 2 },
      ]);
    });

    it('counts calls in [from, to) and rejects from after to', async () => {
      const store = current();
      const lease = await claimedRun(store);
      await spend(store, lease, { costNanoUsd: 1 }, at(0));
      await spend(store, lease, { costNanoUsd: 2 }, at(1_000));
      await spend(store, lease, { costNanoUsd: 4 }, at(2_000));
      const cost = async (from?: Date, to?: Date) =>
        (await store.queryUsage({ tenantId: 'tenant-a', groupBy: 'tenant', ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }))[0]
          ?.costNanoUsd;

      expect(await cost()).toBe(7);
      expect(await cost(at(1_000))).toBe(6);
      expect(await cost(undefined, at(2_000))).toBe(3);
      expect(await cost(at(1_000), at(2_000))).toBe(2);
      expect(await cost(at(3_000))).toBeUndefined();
      await expectKeelError(store.queryUsage({ tenantId: 'tenant-a', groupBy: 'user', from: at(2), to: at(1) }), 'INPUT_INVALID');
    });

    it("never shows one tenant another tenant's usage or budgets", async () => {
      const store = current();
      await store.putBudget(budget({ tenantId: 'tenant-b', limitNanoUsd: 5 }));
      const other = await claimedRun(store, { tenantId: 'tenant-b' });
      await spend(store, other, { costNanoUsd: 99 });

      expect(await store.queryUsage({ tenantId: 'tenant-a', groupBy: 'user' })).toEqual([]);
      expect(await store.listBudgets('tenant-a', { now: start })).toEqual([]);
      expect((await store.listBudgets('tenant-b', { now: start }))[0]).toMatchObject({ spentNanoUsd: 99 });

      // The same user id in tenant-a has a budget of its own, untouched by tenant-b's spend.
      await store.putBudget(budget({ limitNanoUsd: 5 }));
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 0, reserved: 0 });
    });
  });

  describe('requeueWaiting', () => {
    it("queues the tenant's runs waiting for a budget, and only those", async () => {
      const store = current();
      const park = async (tenantId: string, reason: 'budget' | 'approval') => {
        const lease = await claimedRun(store, { tenantId });
        await appendAs(store, lease, [{ type: 'run-waiting', reason }], { status: 'waiting', waitingReason: reason });
        await store.releaseLease(lease.runId, lease.epoch);
        return lease.runId;
      };
      const first = await park('tenant-a', 'budget');
      const second = await park('tenant-a', 'budget');
      const approval = await park('tenant-a', 'approval');
      const otherTenant = await park('tenant-b', 'budget');

      expect((await store.requeueWaiting('tenant-a', 'budget')).sort()).toEqual([first, second].sort());
      expect(await store.getRun('tenant-a', first)).toMatchObject({ status: 'queued', waitingReason: null });
      expect(await store.getRun('tenant-a', approval)).toMatchObject({ status: 'waiting', waitingReason: 'approval' });
      expect(await store.getRun('tenant-b', otherTenant)).toMatchObject({ status: 'waiting', waitingReason: 'budget' });
      expect(await store.requeueWaiting('tenant-a', 'budget')).toEqual([]);
    });
  });

  describe('recordAlert', () => {
    it('records a key once per tenant', async () => {
      const store = current();
      const alert = { tenantId: 'tenant-a', key: 'budget-threshold:user:user-1:2030-01', kind: 'budget-threshold', payload: { ratio: 0.8 }, now: start };
      expect(await store.recordAlert(alert)).toBe(true);
      expect(await store.recordAlert({ ...alert, now: at(1_000) })).toBe(false);
      expect(await store.recordAlert({ ...alert, tenantId: 'tenant-b' })).toBe(true);
      expect(await store.recordAlert({ ...alert, key: 'cost-spike:tenant-a:2030-01-01' })).toBe(true);
    });
  });
}
