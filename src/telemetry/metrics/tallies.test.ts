import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { sampledHistogram, tallyCounter } from './tallies.ts';

/** The value of `name`'s series with exactly these labels, as a scrape reads it. */
async function valueOf(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
  const series = metric?.values.find((value) => JSON.stringify(value.labels) === JSON.stringify(labels));
  return series?.value;
}

describe('tallyCounter', () => {
  it('hands every count to the counter when it is read, once', async () => {
    const registry = new Registry();
    const calls = tallyCounter({ name: 'calls_total', help: 'calls', labelNames: ['tenant', 'model'], registers: [registry] });
    calls.add('a\u0000m1', { tenant: 'a', model: 'm1' });
    calls.add('a\u0000m1', { tenant: 'a', model: 'm1' }, 2);
    calls.add('b\u0000m1', { tenant: 'b', model: 'm1' }, 5);
    expect(await valueOf(registry, 'calls_total', { tenant: 'a', model: 'm1' })).toBe(3);
    expect(await valueOf(registry, 'calls_total', { tenant: 'b', model: 'm1' })).toBe(5);
    // A second read adds nothing twice; later counts add to what was read.
    expect(await valueOf(registry, 'calls_total', { tenant: 'a', model: 'm1' })).toBe(3);
    calls.add('a\u0000m1', { tenant: 'a', model: 'm1' });
    expect(await valueOf(registry, 'calls_total', { tenant: 'a', model: 'm1' })).toBe(4);
    expect(await registry.metrics()).toContain('calls_total{tenant="a",model="m1"} 4');
  });

  it('shows a label set counted at 0, as an inc of 0 would', async () => {
    const registry = new Registry();
    const tokens = tallyCounter({ name: 'tokens_total', help: 'tokens', labelNames: ['type'], registers: [registry] });
    tokens.add('cached', { type: 'cached' }, 0);
    expect(await valueOf(registry, 'tokens_total', { type: 'cached' })).toBe(0);
  });

  it('drops negative, infinite and NaN counts, so no scrape fails and no counter turns NaN', async () => {
    const registry = new Registry();
    const cost = tallyCounter({ name: 'cost_total', help: 'cost', labelNames: ['model'], registers: [registry] });
    cost.add('m', { model: 'm' }, 1.5);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) cost.add('m', { model: 'm' }, bad);
    expect(await valueOf(registry, 'cost_total', { model: 'm' })).toBe(1.5);
  });
});

describe('sampledHistogram', () => {
  it('hands every observation to the histogram when it is read, once', async () => {
    const registry = new Registry();
    const latency = sampledHistogram({ name: 'latency_seconds', help: 'latency', labelNames: ['model'], buckets: [0.1, 1], registers: [registry] });
    latency.observe('m', { model: 'm' }, 0.05);
    latency.observe('m', { model: 'm' }, 0.5);
    latency.observe('m', { model: 'm' }, 5);
    latency.observe('m', { model: 'm' }, Number.NaN);
    const text = await registry.metrics();
    expect(text).toContain('latency_seconds_bucket{le="0.1",model="m"} 1');
    expect(text).toContain('latency_seconds_bucket{le="1",model="m"} 2');
    expect(text).toContain('latency_seconds_count{model="m"} 3');
    expect(await registry.metrics()).toContain('latency_seconds_count{model="m"} 3');
  });

  it('keeps counting right past the observations it holds between reads', async () => {
    const registry = new Registry();
    const latency = sampledHistogram({ name: 'step_seconds', help: 'steps', labelNames: ['agent'], buckets: [1], registers: [registry] });
    for (let index = 0; index < 1_000; index += 1) latency.observe('a', { agent: 'a' }, 0.5);
    expect(await registry.metrics()).toContain('step_seconds_count{agent="a"} 1000');
    expect(await registry.metrics()).toContain('step_seconds_sum{agent="a"} 500');
  });
});
