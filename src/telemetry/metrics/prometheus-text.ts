import type { MetricObjectWithValues, MetricValue, MetricValueWithName } from 'prom-client';

type Metric = MetricObjectWithValues<MetricValue<string> | MetricValueWithName<string>>;

/**
 * Renders metrics (prom-client's JSON form) in the Prometheus text exposition format, keeping
 * only the samples `keep` accepts: an API key's scrape sees its own tenant's series, the
 * operator's token sees them all. A metric left without samples keeps its HELP and TYPE lines.
 *
 * @example
 * renderPrometheusText(await registry.getMetricsAsJSON(), (labels) => labels.tenant === undefined || labels.tenant === 'acme');
 */
export function renderPrometheusText(metrics: readonly Metric[], keep: (labels: Record<string, string | number>) => boolean = () => true): string {
  const blocks = metrics.map((metric) => {
    const lines = [`# HELP ${metric.name} ${escapeHelp(metric.help)}`, `# TYPE ${metric.name} ${metric.type}`];
    for (const sample of metric.values) {
      const labels = sample.labels as Record<string, string | number>;
      if (!keep(labels)) continue;
      const name = 'metricName' in sample && sample.metricName !== undefined ? sample.metricName : metric.name;
      lines.push(`${name}${formatLabels(labels)} ${formatValue(sample.value)}`);
    }
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

function formatLabels(labels: Record<string, string | number>): string {
  const entries = Object.entries(labels).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}="${escapeLabel(String(value))}"`).join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
