import { Counter, Gauge, Registry } from 'prom-client';
import type { Store } from '../../store/store.ts';
import { renderPrometheusText } from './prometheus-text.ts';
import type { RuntimeMetrics } from './runtime-metrics.ts';
import { registerStoreMetrics } from './store-metrics.ts';

/** What the HTTP server counts itself, and how `/metrics` is rendered. */
export interface ServerMetrics {
  /** A request refused with 429 by the per-user rate limit. */
  rateLimited(tenantId: string): void;
  /** SSE streams (journal follows, streamed chat completions) open right now. */
  readonly streams: { opened(): void; closed(): void };
  /**
   * The Prometheus text of everything: this server's, its runtime's, and the store's figures.
   * With `tenantId`, only that tenant's series and the ones of no tenant (breakers, streams).
   */
  render(options?: { tenantId?: string }): Promise<string>;
}

/**
 * The metrics of one app: a registry of its own (prom-client's global registry would clash when
 * two apps, or two copies of a module, register the same names) with the server's counters and
 * the store's gauges, rendered together with the runtime's registry.
 *
 * @example
 * const metrics = createServerMetrics({ store, runtime: () => runtime.metrics });
 * const text = await metrics.render();
 */
export function createServerMetrics(options: {
  store: Pick<Store, 'countUnfinishedRuns'>;
  /** The runtime's metrics, asked at each scrape (a reloading runtime may hand out new ones). */
  runtime?: () => RuntimeMetrics | undefined;
}): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const rejected = new Counter({
    name: 'keel_rate_limit_rejections_total',
    help: 'Requests refused by the per-user rate limit (429)',
    labelNames: ['tenant'],
    registers,
  });
  const streams = new Gauge({ name: 'keel_sse_streams_open', help: 'Server-sent event streams open in this process', registers });
  registerStoreMetrics(registry, options.store);
  return {
    rateLimited: (tenantId) => rejected.inc({ tenant: tenantId }),
    streams: { opened: () => streams.inc(), closed: () => streams.dec() },
    async render(renderOptions = {}) {
      const runtimeMetrics = (await options.runtime?.()?.registry.getMetricsAsJSON()) ?? [];
      const metrics = [...runtimeMetrics, ...(await registry.getMetricsAsJSON())];
      const tenant = renderOptions.tenantId;
      return renderPrometheusText(metrics, tenant === undefined ? undefined : (labels) => labels.tenant === undefined || labels.tenant === tenant);
    },
  };
}
