import { Gauge, type Registry } from 'prom-client';
import type { Store } from '../../store/store.ts';

/**
 * Figures that are true across all nodes, read from the store when Prometheus scrapes: runs
 * queued (queue depth), running and waiting (by reason). One indexed query over the unfinished
 * runs per scrape, however many finished runs the store holds.
 *
 * @example
 * registerStoreMetrics(registry, store);
 */
export function registerStoreMetrics(registry: Registry, store: Pick<Store, 'countUnfinishedRuns'>): void {
  let reading: Promise<Awaited<ReturnType<Store['countUnfinishedRuns']>>> | undefined;
  // The three gauges share one query per scrape.
  const counts = () => (reading ??= store.countUnfinishedRuns().finally(() => queueMicrotask(() => (reading = undefined))));
  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    pick: (row: Awaited<ReturnType<typeof counts>>[number]) => Record<string, string> | undefined,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const rows = await counts();
        this.reset();
        for (const row of rows) {
          const labels = pick(row);
          if (labels !== undefined) this.inc(labels, row.count);
        }
      },
    });
  gauge('keel_queue_depth', 'Runs queued for a worker (all nodes)', ['tenant', 'agent'], (row) =>
    row.status === 'queued' ? { tenant: row.tenantId, agent: row.agent } : undefined,
  );
  gauge('keel_runs_running', 'Runs executing or interrupted, waiting for a worker to take them over (all nodes)', ['tenant', 'agent'], (row) =>
    row.status === 'running' ? { tenant: row.tenantId, agent: row.agent } : undefined,
  );
  gauge('keel_runs_waiting', 'Runs parked in waiting, by reason (all nodes)', ['tenant', 'agent', 'reason'], (row) =>
    row.status === 'waiting' ? { tenant: row.tenantId, agent: row.agent, reason: row.waitingReason ?? 'unknown' } : undefined,
  );
}
