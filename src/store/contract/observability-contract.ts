import { describe, expect, it } from 'vitest';
import { runTraceId } from '../../journal/trace-context.ts';
import { claimedRun, spend } from './budget-fixtures.ts';
import { appendAs, at, claim, type CurrentStore, expectKeelError, finishRun, newRun, start } from './fixtures.ts';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const minute = 60_000;

export function describeObservabilityContract(current: CurrentStore): void {
  describe('trace context of a run', () => {
    it('keeps a valid traceparent and takes the trace id from it', async () => {
      const store = current();
      const { run } = await store.createRun(newRun({ traceparent: `  ${traceparent} ` }));
      expect(run).toMatchObject({ traceparent, traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
      expect(await store.getRun('tenant-a', run.id)).toEqual(run);
    });

    it('ignores an invalid traceparent: the run gets the trace id derived from its id', async () => {
      const store = current();
      for (const invalid of [
        'garbage',
        '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
        '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
        'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      ]) {
        const { run } = await store.createRun(newRun({ traceparent: invalid }));
        expect(run.traceparent).toBeNull();
        expect(run.traceId).toBe(runTraceId(run.id));
      }
      const { run } = await store.createRun(newRun());
      expect((await store.getRun('tenant-a', run.id))?.traceId).toBe(runTraceId(run.id));
    });
  });

  describe('run counts', () => {
    it('counts unfinished runs per tenant, agent, status and waiting reason, leaving finished ones out', async () => {
      const store = current();
      await store.createRun(newRun());
      await store.createRun(newRun());
      await store.createRun(newRun({ tenantId: 'tenant-b', agent: 'billing' }));
      const waiting = await claimedRun(store);
      await appendAs(store, waiting, [{ type: 'run-waiting', reason: 'approval' }], { status: 'waiting', waitingReason: 'approval' });
      const finished = await store.createRun(newRun());
      await finishRun(store, finished.run.id);

      const counts = await store.countUnfinishedRuns();
      expect(counts.sort((a, b) => `${a.tenantId}${a.status}`.localeCompare(`${b.tenantId}${b.status}`))).toEqual([
        { tenantId: 'tenant-a', agent: 'support', status: 'queued', waitingReason: null, count: 2 },
        { tenantId: 'tenant-a', agent: 'support', status: 'waiting', waitingReason: 'approval', count: 1 },
        { tenantId: 'tenant-b', agent: 'billing', status: 'queued', waitingReason: null, count: 1 },
      ]);
    });

    it('counts runs that ended in a window per tenant, agent and status, and users with repeated failures', async () => {
      const store = current();
      const end = async (status: 'completed' | 'failed' | 'cancelled', when: Date, userId = 'user-1') => {
        const { run } = await store.createRun(newRun({ userId }));
        await finishRun(store, run.id, status, when);
      };
      await end('completed', at(minute));
      await end('completed', at(2 * minute));
      await end('failed', at(3 * minute));
      await end('failed', at(4 * minute));
      await end('failed', at(5 * minute), 'user-2');
      await end('cancelled', at(6 * minute));
      await end('failed', at(20 * minute)); // outside the window

      const counts = await store.countEndedRuns({ from: at(minute), to: at(10 * minute) });
      expect(counts.sort((a, b) => a.status.localeCompare(b.status))).toEqual([
        { tenantId: 'tenant-a', agent: 'support', status: 'cancelled', count: 1 },
        { tenantId: 'tenant-a', agent: 'support', status: 'completed', count: 2 },
        { tenantId: 'tenant-a', agent: 'support', status: 'failed', count: 3 },
      ]);
      expect(await store.countUserFailures({ from: at(minute), to: at(10 * minute), atLeast: 2 })).toEqual([
        { tenantId: 'tenant-a', userId: 'user-1', failures: 2 },
      ]);
      expect(await store.countUserFailures({ from: at(minute), to: at(30 * minute), atLeast: 3 })).toEqual([
        { tenantId: 'tenant-a', userId: 'user-1', failures: 3 },
      ]);
      await expectKeelError(store.countEndedRuns({ from: at(minute), to: start }), 'INPUT_INVALID');
    });

    it('tells the percentile of model-call latency per tenant and agent, by nearest rank', async () => {
      const store = current();
      const lease = await claimedRun(store);
      // Latencies 10, 20, … 200 ms: the 95th percentile of 20 calls is the 19th, 190 ms.
      for (let index = 20; index >= 1; index -= 1) await spend(store, lease, { step: index, latencyMs: index * 10 }, at(index * 1_000));
      const other = await claimedRun(store, { agent: 'billing' });
      await spend(store, other, { latencyMs: 5 }, at(1_000));
      await spend(store, other, { latencyMs: 7_000 }, at(30 * minute)); // outside the window
      // Tenants on either side of one whose calls all fall outside the window: each is found.
      await spend(store, await claimedRun(store, { tenantId: 'tenant-0' }), { latencyMs: 40 }, at(2_000));
      await spend(store, await claimedRun(store, { tenantId: 'tenant-b' }), { latencyMs: 50 }, at(40 * minute));
      await spend(store, await claimedRun(store, { tenantId: 'tenant-c' }), { latencyMs: 60 }, at(3_000));

      const percentiles = await store.modelLatencyPercentiles({ from: start, to: at(10 * minute), percentile: 95 });
      const order = (a: { tenantId: string; agent: string }, b: { tenantId: string; agent: string }) =>
        a.tenantId.localeCompare(b.tenantId) || a.agent.localeCompare(b.agent);
      expect(percentiles.sort(order)).toEqual([
        { tenantId: 'tenant-0', agent: 'support', calls: 1, latencyMs: 40 },
        { tenantId: 'tenant-a', agent: 'billing', calls: 1, latencyMs: 5 },
        { tenantId: 'tenant-a', agent: 'support', calls: 20, latencyMs: 190 },
        { tenantId: 'tenant-c', agent: 'support', calls: 1, latencyMs: 60 },
      ]);
      expect(await store.modelLatencyPercentiles({ from: start, to: at(10 * minute), percentile: 50 })).toContainEqual({
        tenantId: 'tenant-a',
        agent: 'support',
        calls: 20,
        latencyMs: 100,
      });
      await expectKeelError(store.modelLatencyPercentiles({ from: start, to: at(1), percentile: 0 }), 'INPUT_INVALID');
    });

    it('counts runs waiting for a reason since before a time, naming the oldest', async () => {
      const store = current();
      const park = async (when: Date, reason: 'approval' | 'budget' = 'approval') => {
        const lease = await claimedRun(store);
        await appendAs(store, lease, [{ type: 'run-waiting', reason }], { status: 'waiting', waitingReason: reason }, when);
        return lease.runId;
      };
      const oldest = await park(at(minute));
      await park(at(2 * minute));
      await park(at(50 * minute)); // too recent
      await park(at(minute), 'budget'); // another reason
      expect(await store.countWaitingSince({ reason: 'approval', before: at(30 * minute) })).toEqual([
        { tenantId: 'tenant-a', count: 2, oldestRunId: oldest, oldestSince: at(minute).toISOString() },
      ]);
      expect(await store.countWaitingSince({ reason: 'approval', before: at(minute) })).toEqual([]);
    });
  });

  describe('named leases', () => {
    it('is held by one owner at a time, renewed by its owner, taken over once expired, and released', async () => {
      const store = current();
      const lease = { name: 'alerts', ttlMs: 10_000 };
      expect(await store.acquireNamedLease({ ...lease, owner: 'node-1', now: start })).toBe(true);
      expect(await store.acquireNamedLease({ ...lease, owner: 'node-2', now: at(5_000) })).toBe(false);
      // Renewed at 9 s, it lasts until 19 s.
      expect(await store.acquireNamedLease({ ...lease, owner: 'node-1', now: at(9_000) })).toBe(true);
      expect(await store.acquireNamedLease({ ...lease, owner: 'node-2', now: at(15_000) })).toBe(false);
      expect(await store.acquireNamedLease({ ...lease, owner: 'node-2', now: at(19_000) })).toBe(true);
      expect(await store.acquireNamedLease({ ...lease, owner: 'node-1', now: at(20_000) })).toBe(false);
      // Another name is another lease.
      expect(await store.acquireNamedLease({ name: 'sweeper', ttlMs: 10_000, owner: 'node-1', now: at(20_000) })).toBe(true);

      await store.releaseNamedLease('alerts', 'node-1'); // not the holder: nothing happens
      expect(await store.acquireNamedLease({ ...lease, owner: 'node-1', now: at(21_000) })).toBe(false);
      await store.releaseNamedLease('alerts', 'node-2');
      expect(await store.acquireNamedLease({ ...lease, owner: 'node-1', now: at(21_000) })).toBe(true);
    });

    it('lets exactly one of many concurrent callers take a free lease', async () => {
      const store = current();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, index) => store.acquireNamedLease({ name: 'contended', owner: `node-${index}`, ttlMs: 10_000, now: start })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('alerts', () => {
    const alert = (overrides: Partial<Parameters<ReturnType<CurrentStore>['fireAlert']>[0]> = {}) => ({
      tenantId: 'tenant-a',
      kind: 'success-rate',
      subject: 'support',
      payload: { message: 'Success rate 80% over 15 minutes' },
      now: start,
      cooldownMs: 30 * minute,
      ...overrides,
    });

    it('fires once per tenant, kind and subject within the cooldown, then again after it', async () => {
      const store = current();
      expect(await store.fireAlert(alert())).toBe(true);
      expect(await store.fireAlert(alert({ now: at(minute) }))).toBe(false);
      expect(await store.fireAlert(alert({ now: at(29 * minute) }))).toBe(false);
      expect(await store.fireAlert(alert({ subject: 'billing', now: at(minute) }))).toBe(true);
      expect(await store.fireAlert(alert({ tenantId: 'tenant-b', now: at(minute) }))).toBe(true);
      expect(await store.fireAlert(alert({ now: at(30 * minute) }))).toBe(true);

      const { alerts } = await store.listAlerts({ tenantId: 'tenant-a' });
      expect(alerts.map((record) => [record.kind, record.at])).toEqual([
        ['success-rate', at(30 * minute).toISOString()],
        ['success-rate', at(minute).toISOString()],
        ['success-rate', start.toISOString()],
      ]);
      expect(alerts[0]?.payload).toEqual({ message: 'Success rate 80% over 15 minutes' });
      await expectKeelError(store.fireAlert(alert({ cooldownMs: -1 })), 'INPUT_INVALID');
    });

    it('lets one of concurrent firings of the same alert win', async () => {
      const store = current();
      const results = await Promise.all(Array.from({ length: 6 }, () => store.fireAlert(alert())));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.listAlerts({ tenantId: 'tenant-a' })).alerts).toHaveLength(1);
    });

    it("lists a tenant's alerts with the deployment-wide ones, newest first, page by page, never another tenant's", async () => {
      const store = current();
      for (let index = 0; index < 5; index += 1) await store.fireAlert(alert({ subject: `agent-${index}`, now: at(index * minute) }));
      await store.fireAlert(alert({ tenantId: '*', kind: 'breaker-open', subject: 'openai:gpt-4o', now: at(10 * minute) }));
      await store.fireAlert(alert({ tenantId: 'tenant-b', now: at(11 * minute) }));
      // Spend alerts share the record.
      await store.recordAlert({ tenantId: 'tenant-a', key: 'cost-spike:2030-01-01', kind: 'cost-spike', payload: { day: '2030-01-01' }, now: at(12 * minute) });

      const first = await store.listAlerts({ tenantId: 'tenant-a', limit: 3 });
      expect(first.alerts.map((record) => record.kind)).toEqual(['cost-spike', 'breaker-open', 'success-rate']);
      expect(first.alerts[1]?.tenantId).toBe('*');
      const second = await store.listAlerts({ tenantId: 'tenant-a', limit: 3, ...(first.nextCursor === undefined ? {} : { cursor: first.nextCursor }) });
      expect(second.alerts.map((record) => record.at)).toEqual([at(3 * minute), at(2 * minute), at(minute)].map((date) => date.toISOString()));
      const third = await store.listAlerts({ tenantId: 'tenant-a', limit: 3, ...(second.nextCursor === undefined ? {} : { cursor: second.nextCursor }) });
      expect(third.alerts.map((record) => record.at)).toEqual([start.toISOString()]);
      expect(third.nextCursor).toBeUndefined();
      expect((await store.listAlerts({ tenantId: 'tenant-b' })).alerts.map((record) => record.tenantId)).toEqual(['tenant-b', '*']);
      await expectKeelError(store.listAlerts({ tenantId: 'tenant-a', cursor: 'not-a-cursor' }), 'INPUT_INVALID');
      await expectKeelError(store.listAlerts({ tenantId: 'tenant-a', limit: 0 }), 'INPUT_INVALID');
    });
  });

  it('claims of an ended run are not affected by its trace context', async () => {
    const store = current();
    const { run } = await store.createRun(newRun({ traceparent }));
    const lease = await claim(store, run.id);
    expect(lease.run.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
}
