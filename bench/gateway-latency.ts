import { createOpenAI } from '@ai-sdk/openai';
import { performance } from 'node:perf_hooks';
import { fromAiSdk } from '../src/gateway/ai-sdk/adapter.ts';
import { createGateway } from '../src/gateway/gateway.ts';
import type { Model, ModelRequest } from '../src/gateway/model.ts';
import { defineAgent, type AgentDefinition } from '../src/sdk/define-agent.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport } from './lib/report.ts';
import { startFakeUpstream } from './lib/start-fake-upstream.ts';
import { median } from './lib/timing.ts';

/*
 * What the gateway adds to a model call: the same streamed call to the same fake upstream (in
 * its own process), once through the bare AI SDK adapter and once through the agent's gateway
 * model (routing policy, fallback chain, retries, circuit breaker, first-token and total
 * timeouts, response validation), interleaved call by call so both see the same machine.
 */

const sizes = { full: { calls: 3_000, warmup: 300, inProcess: 20_000 }, quick: { calls: 40, warmup: 10, inProcess: 200 } };

const request: ModelRequest = { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say done: 0 turns' }], call: { step: 1 } };

/** A model that streams a two-word answer at once: what is left of a call is the gateway's own work. */
const instant: Model = {
  provider: 'openai',
  modelId: 'gpt-4o-mini',
  generate: () => Promise.reject(new Error('the bench streams')),
  async *stream() {
    yield { type: 'text-delta', text: 'done' };
    yield { type: 'response', response: { text: 'done', toolCalls: [], finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 1, cachedTokens: 0 }, provider: 'openai', modelId: 'gpt-4o-mini' } };
  },
};

async function streamOnce(model: Model): Promise<number> {
  const started = performance.now();
  let done = false;
  for await (const part of model.stream?.(request) ?? []) if (part.type === 'response') done = true;
  if (!done) throw new Error('the stream ended without a response');
  return performance.now() - started;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function run(options: BenchOptions): Promise<BenchReport> {
  const size = options.quick ? sizes.quick : sizes.full;
  const upstream = await startFakeUpstream();
  try {
    const provider = createOpenAI({ baseURL: upstream.openaiBaseURL, apiKey: 'bench' });
    const direct = fromAiSdk(provider('gpt-4o-mini'));
    const agent = defineAgent({
      name: 'bench',
      model: 'openai:gpt-4o-mini',
      fallbacks: ['openai:gpt-4.1-mini'],
      routing: { cheap: 'openai:gpt-4.1-nano', when: ({ purpose }) => purpose === 'classify' },
      modelSettings: { firstTokenTimeoutMs: 30_000, timeoutMs: 60_000 },
      instructions: 'Be brief.',
    });
    const gateway = createGateway({ resolve: (reference) => fromAiSdk(provider(String(reference).split(':')[1] ?? 'gpt-4o-mini')) });
    const viaGateway = gateway.modelFor(agent);

    options.log(`gateway-latency: ${size.warmup} warm-up and ${size.calls} measured calls each, direct and through the gateway`);
    const samples = { direct: [] as number[], gateway: [] as number[], paired: [] as number[] };
    for (let index = 0; index < size.warmup + size.calls; index += 1) {
      // Alternate which goes first, so neither always benefits from a warm connection.
      const order = index % 2 === 0 ? (['direct', 'gateway'] as const) : (['gateway', 'direct'] as const);
      const ms: Record<'direct' | 'gateway', number> = { direct: 0, gateway: 0 };
      for (const name of order) ms[name] = await streamOnce(name === 'direct' ? direct : viaGateway);
      if (index < size.warmup) continue;
      samples.direct.push(ms.direct);
      samples.gateway.push(ms.gateway);
      samples.paired.push(ms.gateway - ms.direct);
    }
    const stats = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99) });
    const own = await inProcessOverhead(agent, size.inProcess);
    const directStats = stats(samples.direct);
    const gatewayStats = stats(samples.gateway);
    const figure = (name: 'p50' | 'p99') =>
      compare({
        name: `streamed call, ${name}`,
        baseline: { label: `direct AI SDK call, ${name}`, value: directStats[name], unit: 'ms' },
        measured: { label: `through the gateway, ${name}`, value: gatewayStats[name], unit: 'ms' },
        ratioOf: 'gateway / direct',
        // "Added latency <= 1 ms" as a ratio: gateway <= direct + 1 ms.
        ...(name === 'p99' ? { bar: { text: 'p99 <= direct + 1 ms', max: (directStats.p99 + 1) / directStats.p99 } } : {}),
      });
    return {
      id: 'gateway-latency',
      title: 'Model gateway added latency',
      status: 'ok',
      figures: [
        figure('p50'),
        figure('p99'),
        compare({
          name: 'in-process, p99 (no network)',
          baseline: { label: 'instant model, p99', value: own.bare.p99 * 1000, unit: 'µs' },
          measured: { label: 'instant model through the gateway, p99', value: own.gateway.p99 * 1000, unit: 'µs' },
          ratioOf: 'gateway / bare',
          bar: { text: 'p99 <= bare + 1 ms', max: (own.bare.p99 + 1) / own.bare.p99 },
        }),
      ],
      details: {
        calls: size.calls,
        addedP50Ms: gatewayStats.p50 - directStats.p50,
        addedP99Ms: gatewayStats.p99 - directStats.p99,
        pairedMedianAddedMs: median(samples.paired),
        inProcessAddedP50Us: (own.gateway.p50 - own.bare.p50) * 1000,
        inProcessAddedP99Us: (own.gateway.p99 - own.bare.p99) * 1000,
        layers: 'routing, fallback chain, retry, circuit breaker, timeouts, validation',
      },
    };
  } finally {
    await upstream.close();
  }
}

/** The gateway's own cost per call: the same instant model, bare and through the gateway. */
async function inProcessOverhead(agent: AgentDefinition, calls: number): Promise<Record<'bare' | 'gateway', { p50: number; p99: number }>> {
  const viaGateway = createGateway({ resolve: () => instant }).modelFor(agent);
  const samples = { bare: [] as number[], gateway: [] as number[] };
  for (let index = 0; index < calls + calls / 10; index += 1) {
    const bare = await streamOnce(instant);
    const gateway = await streamOnce(viaGateway);
    if (index < calls / 10) continue;
    samples.bare.push(bare);
    samples.gateway.push(gateway);
  }
  const stats = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99) });
  return { bare: stats(samples.bare), gateway: stats(samples.gateway) };
}

export const gatewayLatency: BenchModule = { id: 'gateway-latency', title: 'Model gateway added latency', run };
