import { describe, expect, it } from 'vitest';
import { claimedRun, spend } from './budget-fixtures.ts';
import { at, type CurrentStore, expectKeelError, finishRun, newRun, start, uniqueId } from './fixtures.ts';

const minute = 60_000;

/** The queries behind the dashboard: figures over time, and runs listed by creation time. */
export function describeDashboardContract(current: CurrentStore): void {
  describe('dashboard series', () => {
    it('counts ended runs per time bucket and agent, of one tenant only', async () => {
      const store = current();
      const tenantId = uniqueId('tenant');
      const end = async (status: 'completed' | 'failed' | 'cancelled', when: Date, agent = 'support', tenant = tenantId) => {
        const { run } = await store.createRun(newRun({ tenantId: tenant, agent }));
        await finishRun(store, run.id, status, when);
      };
      await end('completed', at(minute));
      await end('completed', at(4 * minute + 59_000));
      await end('failed', at(3 * minute));
      await end('completed', at(6 * minute));
      await end('cancelled', at(7 * minute), 'billing');
      await end('failed', at(2 * minute), 'support', uniqueId('tenant')); // another tenant
      await end('failed', at(20 * minute)); // outside the range
      await store.createRun(newRun({ tenantId })); // not ended

      const series = await store.runSeries({ tenantId, from: start, to: at(10 * minute), bucketSeconds: 300 });
      expect(series).toEqual([
        { bucket: start.toISOString(), agent: 'support', completed: 2, failed: 1, cancelled: 0 },
        { bucket: at(5 * minute).toISOString(), agent: 'billing', completed: 0, failed: 0, cancelled: 1 },
        { bucket: at(5 * minute).toISOString(), agent: 'support', completed: 1, failed: 0, cancelled: 0 },
      ]);
    });

    it('tells model calls per bucket, agent and model: count, p50/p95/p99 latency by nearest rank, cost and tokens', async () => {
      const store = current();
      const tenantId = uniqueId('tenant');
      const lease = await claimedRun(store, { tenantId });
      // 100 calls in the first bucket, latencies 1..100 ms: p50 50, p95 95, p99 99.
      for (let index = 100; index >= 1; index -= 1)
        await spend(store, lease, { step: index, latencyMs: index, costNanoUsd: 10, inputTokens: 2, outputTokens: 1 }, at(index * 1_000));
      await spend(store, lease, { step: 101, latencyMs: 700, modelId: 'gpt-4o', costNanoUsd: 5_000 }, at(2 * minute));
      await spend(store, lease, { step: 102, latencyMs: 40 }, at(6 * minute));
      const other = await claimedRun(store, { tenantId: uniqueId('tenant') });
      await spend(store, other, { latencyMs: 9_999 }, at(minute));

      const series = await store.modelCallSeries({ tenantId, from: start, to: at(10 * minute), bucketSeconds: 300 });
      expect(series).toEqual([
        {
          bucket: start.toISOString(),
          agent: 'support',
          model: 'openai:gpt-4o',
          calls: 1,
          p50LatencyMs: 700,
          p95LatencyMs: 700,
          p99LatencyMs: 700,
          costNanoUsd: 5_000,
          inputTokens: 100,
          outputTokens: 20,
        },
        {
          bucket: start.toISOString(),
          agent: 'support',
          model: 'openai:gpt-4o-mini',
          calls: 100,
          p50LatencyMs: 50,
          p95LatencyMs: 95,
          p99LatencyMs: 99,
          costNanoUsd: 1_000,
          inputTokens: 200,
          outputTokens: 100,
        },
        {
          bucket: at(5 * minute).toISOString(),
          agent: 'support',
          model: 'openai:gpt-4o-mini',
          calls: 1,
          p50LatencyMs: 40,
          p95LatencyMs: 40,
          p99LatencyMs: 40,
          costNanoUsd: 1_000,
          inputTokens: 100,
          outputTokens: 20,
        },
      ]);
    });

    it('refuses buckets under a minute, too many buckets, and a range that ends before it starts', async () => {
      const store = current();
      await expectKeelError(store.runSeries({ tenantId: 't', from: start, to: at(minute), bucketSeconds: 59 }), 'INPUT_INVALID');
      await expectKeelError(store.modelCallSeries({ tenantId: 't', from: start, to: at(1_001 * minute), bucketSeconds: 60 }), 'INPUT_INVALID');
      await expectKeelError(store.runSeries({ tenantId: 't', from: at(minute), to: start, bucketSeconds: 60 }), 'INPUT_INVALID');
    });
  });

  describe('runs by creation time', () => {
    it('lists the runs created in [createdAfter, createdBefore), newest first, paging within the range', async () => {
      const store = current();
      const tenantId = uniqueId('tenant');
      const ids = [];
      for (let index = 0; index < 5; index += 1) ids.push((await store.createRun(newRun({ tenantId, now: at(index * minute) }))).run.id);
      const page = await store.listRuns({ tenantId, createdAfter: at(minute), createdBefore: at(4 * minute), limit: 2 });
      expect(page.runs.map((run) => run.id)).toEqual([ids[3], ids[2]]);
      const rest = await store.listRuns({ tenantId, createdAfter: at(minute), createdBefore: at(4 * minute), limit: 2, cursor: page.nextCursor });
      expect(rest.runs.map((run) => run.id)).toEqual([ids[1]]);
      expect(rest.nextCursor).toBeUndefined();
      expect((await store.listRuns({ tenantId, createdAfter: at(3 * minute) })).runs.map((run) => run.id)).toEqual([ids[4], ids[3]]);
    });
  });
}
