import { z } from 'zod';
import type { ModelCallSeriesPoint, RunSeriesPoint } from '../../store/observability-store.ts';
import type { DashboardPage } from '../dashboard-types.ts';
import { formatCount, formatMs, formatNanoUsd } from '../format.ts';
import { html, jsonScript, type Html } from '../html.ts';
import { layout } from '../layout.ts';
import { parseQuery } from '../query-input.ts';
import { requirePermission } from '../session.ts';

/** The ranges the overview offers, with a bucket size that gives 60–100 points. */
const ranges = {
  '1h': { label: 'Last hour', seconds: 3_600, bucketSeconds: 60 },
  '24h': { label: 'Last 24 hours', seconds: 86_400, bucketSeconds: 900 },
  '7d': { label: 'Last 7 days', seconds: 7 * 86_400, bucketSeconds: 7_200 },
} as const;
type RangeKey = keyof typeof ranges;

const OverviewQuery = z.object({ range: z.enum(Object.keys(ranges) as [RangeKey, ...RangeKey[]]).optional() }).strict();

/** What `charts.js` draws: x in seconds since the epoch (uPlot's default), one series per agent or per agent and model. */
export interface OverviewData {
  x: number[];
  volume: Series[];
  successRate: Series[];
  latency: Series[];
  cost: Series[];
}
interface Series {
  label: string;
  values: Array<number | null>;
}

/**
 * `GET /ui/`: the tenant's runs and model calls over time — volume, success rate, p50/p95/p99
 * latency and cost by agent and model — drawn with uPlot from figures the store aggregates in
 * SQL (`runSeries`, `modelCallSeries`), with the same figures as tables for screen readers and
 * for reading exact values.
 */
export const overviewPage: DashboardPage = {
  name: 'overview',
  register(ui, context) {
    ui.get('/', async (c) => {
      requirePermission(c, 'runs:read');
      const rangeKey: RangeKey = parseQuery(OverviewQuery, c.req.queries()).range ?? '24h';
      const range = ranges[rangeKey];
      const bucketMs = range.bucketSeconds * 1000;
      const to = new Date(Math.ceil(Date.now() / bucketMs) * bucketMs);
      const from = new Date(to.getTime() - range.seconds * 1000);
      const query = { tenantId: c.get('principal').tenantId, from, to, bucketSeconds: range.bucketSeconds };
      const [runs, calls] = await Promise.all([context.store.runSeries(query), context.store.modelCallSeries(query)]);
      const data = chartData(from, to, range.bucketSeconds, runs, calls);
      const body = html`<form class="filters" method="get" action="/ui/" aria-label="Time range">
          <div>
            <label for="range">Range</label>
            <select id="range" name="range">
              ${(Object.keys(ranges) as RangeKey[]).map((key) => html`<option value="${key}" ${key === rangeKey ? 'selected' : ''}>${ranges[key].label}</option>`)}
            </select>
          </div>
          <button type="submit">Show</button>
        </form>
        ${totals(runs, calls)}
        <div class="grid">
          ${chart('volume', 'Runs ended', 'Runs that ended per interval, by agent')}
          ${chart('successRate', 'Success rate (%)', 'Share of ended runs that completed, per interval and agent')}
          ${chart('latency', 'Model latency (ms)', 'p50, p95 and p99 latency of model calls per interval, by agent and model')}
          ${chart('cost', 'Cost (USD)', 'Cost of model calls per interval, by agent and model')}
        </div>
        ${jsonScript('overview-data', data)} ${breakdown(runs, calls)}`;
      return c.html(layout(c, { title: 'Overview', current: 'overview', body, scripts: ['uplot.min.js', 'charts.js'], styles: ['uplot.min.css'] }));
    });
  },
};

function chart(key: keyof Omit<OverviewData, 'x'>, title: string, description: string): Html {
  return html`<figure class="card" aria-labelledby="chart-${key}-title">
    <figcaption class="chart-title" id="chart-${key}-title">${title}</figcaption>
    <div class="chart" id="chart-${key}" data-series="${key}" role="img" aria-label="${description}. The figures are in the tables below."></div>
  </figure>`;
}

function chartData(from: Date, to: Date, bucketSeconds: number, runs: RunSeriesPoint[], calls: ModelCallSeriesPoint[]): OverviewData {
  const first = Math.floor(from.getTime() / 1000 / bucketSeconds) * bucketSeconds;
  const x: number[] = [];
  for (let at = first; at < to.getTime() / 1000; at += bucketSeconds) x.push(at);
  const index = new Map(x.map((at, position) => [at, position]));
  const position = (bucket: string) => index.get(Date.parse(bucket) / 1000);
  const grouped = <P>(points: P[], key: (point: P) => string, value: (point: P) => number | null, empty: number | null): Series[] => {
    const series = new Map<string, Array<number | null>>();
    for (const point of points) {
      const at = position((point as { bucket: string }).bucket);
      if (at === undefined) continue;
      const label = key(point);
      const values = series.get(label) ?? x.map(() => empty);
      values[at] = value(point);
      series.set(label, values);
    }
    return [...series].sort(([a], [b]) => a.localeCompare(b)).map(([label, values]) => ({ label, values }));
  };
  const ended = (point: RunSeriesPoint) => point.completed + point.failed + point.cancelled;
  return {
    x,
    volume: grouped(runs, (point) => point.agent, ended, 0),
    successRate: grouped(
      runs,
      (point) => point.agent,
      (point) => Math.round((1000 * point.completed) / Math.max(1, ended(point))) / 10,
      null,
    ),
    latency: (['p50', 'p95', 'p99'] as const).flatMap((percentile) =>
      grouped(
        calls,
        (point) => `${point.agent} · ${point.model} ${percentile}`,
        (point) => point[`${percentile}LatencyMs`],
        null,
      ),
    ),
    cost: grouped(
      calls,
      (point) => `${point.agent} · ${point.model}`,
      (point) => point.costNanoUsd / 1e9,
      0,
    ),
  };
}

function totals(runs: RunSeriesPoint[], calls: ModelCallSeriesPoint[]): Html {
  const completed = runs.reduce((sum, point) => sum + point.completed, 0);
  const ended = runs.reduce((sum, point) => sum + point.completed + point.failed + point.cancelled, 0);
  const callCount = calls.reduce((sum, point) => sum + point.calls, 0);
  const cost = calls.reduce((sum, point) => sum + point.costNanoUsd, 0);
  const figure = (value: string, label: string) => html`<div class="figure"><span class="value">${value}</span><span class="label">${label}</span></div>`;
  return html`<div class="figures">
    ${figure(formatCount(ended), 'runs ended')} ${figure(ended === 0 ? '—' : `${((100 * completed) / ended).toFixed(1)}%`, 'completed')}
    ${figure(formatCount(callCount), 'model calls')} ${figure(formatNanoUsd(cost), 'cost')}
  </div>`;
}

/** The same figures per agent and model over the whole range, as tables. */
function breakdown(runs: RunSeriesPoint[], calls: ModelCallSeriesPoint[]): Html {
  const byAgent = new Map<string, { completed: number; failed: number; cancelled: number }>();
  for (const point of runs) {
    const sum = byAgent.get(point.agent) ?? { completed: 0, failed: 0, cancelled: 0 };
    byAgent.set(point.agent, { completed: sum.completed + point.completed, failed: sum.failed + point.failed, cancelled: sum.cancelled + point.cancelled });
  }
  const byModel = new Map<
    string,
    { agent: string; model: string; calls: number; cost: number; input: number; output: number; worstP95: number; worstP99: number }
  >();
  for (const point of calls) {
    const key = `${point.agent}\u0000${point.model}`;
    const sum = byModel.get(key) ?? { agent: point.agent, model: point.model, calls: 0, cost: 0, input: 0, output: 0, worstP95: 0, worstP99: 0 };
    byModel.set(key, {
      ...sum,
      calls: sum.calls + point.calls,
      cost: sum.cost + point.costNanoUsd,
      input: sum.input + point.inputTokens,
      output: sum.output + point.outputTokens,
      worstP95: Math.max(sum.worstP95, point.p95LatencyMs),
      worstP99: Math.max(sum.worstP99, point.p99LatencyMs),
    });
  }
  return html`<h2>By agent</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Agent</th>
          <th scope="col" class="num">Completed</th>
          <th scope="col" class="num">Failed</th>
          <th scope="col" class="num">Cancelled</th>
          <th scope="col" class="num">Success rate</th>
        </tr>
      </thead>
      <tbody>
        ${
          byAgent.size === 0
            ? html`<tr>
                <td colspan="5" class="muted">No runs ended in this range.</td>
              </tr>`
            : ''
        }
        ${[...byAgent].map(([agent, sum]) => {
          const ended = sum.completed + sum.failed + sum.cancelled;
          return html`<tr>
            <th scope="row">${agent}</th>
            <td class="num">${formatCount(sum.completed)}</td>
            <td class="num">${formatCount(sum.failed)}</td>
            <td class="num">${formatCount(sum.cancelled)}</td>
            <td class="num">${((100 * sum.completed) / Math.max(1, ended)).toFixed(1)}%</td>
          </tr>`;
        })}
      </tbody>
    </table>
    <h2>By agent and model</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Agent</th>
          <th scope="col">Model</th>
          <th scope="col" class="num">Calls</th>
          <th scope="col" class="num">Tokens in / out</th>
          <th scope="col" class="num">Worst interval p95</th>
          <th scope="col" class="num">Worst interval p99</th>
          <th scope="col" class="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        ${
          byModel.size === 0
            ? html`<tr>
                <td colspan="7" class="muted">No model calls in this range.</td>
              </tr>`
            : ''
        }
        ${[...byModel.values()].map(
          (sum) =>
            html`<tr>
              <th scope="row">${sum.agent}</th>
              <td>${sum.model}</td>
              <td class="num">${formatCount(sum.calls)}</td>
              <td class="num">${formatCount(sum.input)} / ${formatCount(sum.output)}</td>
              <td class="num">${formatMs(sum.worstP95)}</td>
              <td class="num">${formatMs(sum.worstP99)}</td>
              <td class="num">${formatNanoUsd(sum.cost)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}
