import { createOpenAI } from '@ai-sdk/openai';
import { performance } from 'node:perf_hooks';
import { fromAiSdk } from '../src/gateway/ai-sdk/adapter.ts';
import { createGateway } from '../src/gateway/gateway.ts';
import type { Model, ModelRequest, ModelStreamPart } from '../src/gateway/model.ts';
import { defineAgent } from '../src/sdk/define-agent.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport } from './lib/report.ts';
import { startFakeUpstream } from './lib/start-fake-upstream.ts';
import { median } from './lib/timing.ts';

/*
 * What the gateway adds to a model call. The same streamed call to the same fake upstream (in
 * its own process) is made through the bare AI SDK adapter and through an agent's gateway model
 * (routing policy, fallback chain, retries, circuit breaker, first-token and total timeouts,
 * response validation), interleaved call by call.
 *
 * End-to-end percentiles of two separate samples are reported, but on a busy machine their p99s
 * measure the neighbours more than Keel. The bar is therefore checked on the time each call spends
 * *outside* the adapter: both paths wrap the adapter in the same probe, which sums the time spent
 * awaiting it (network and SDK); the rest of the call is the consumer loop (direct) or the
 * consumer loop plus every gateway layer (gateway), measured within the very same call.
 */

const sizes = { full: { calls: 3_000, warmup: 300 }, quick: { calls: 40, warmup: 10 } };

const request: ModelRequest = {
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Say done: 0 turns' },
  ],
  call: { step: 1 },
};

/** Wraps the adapter so the time spent awaiting it can be told apart from everything around it. */
function probed(model: Model): { model: Model; takeInsideMs: () => number } {
  let insideMs = 0;
  const stream = async function* (call: ModelRequest): AsyncIterable<ModelStreamPart> {
    if (model.stream === undefined) throw new Error('the bench streams');
    const iterator = model.stream(call)[Symbol.asyncIterator]();
    for (;;) {
      const started = performance.now();
      const next = await iterator.next();
      insideMs += performance.now() - started;
      if (next.done === true) return;
      yield next.value;
    }
  };
  const takeInsideMs = () => {
    const taken = insideMs;
    insideMs = 0;
    return taken;
  };
  return { model: { provider: model.provider, modelId: model.modelId, generate: (call) => model.generate(call), stream }, takeInsideMs };
}

/** One streamed call: total time, and time outside the adapter. */
async function streamOnce(model: Model, takeInsideMs: () => number): Promise<{ totalMs: number; outsideMs: number }> {
  takeInsideMs();
  const started = performance.now();
  let done = false;
  for await (const part of model.stream?.(request) ?? []) if (part.type === 'response') done = true;
  const totalMs = performance.now() - started;
  if (!done) throw new Error('the stream ended without a response');
  return { totalMs, outsideMs: totalMs - takeInsideMs() };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const stats = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99) });

async function run(options: BenchOptions): Promise<BenchReport> {
  const size = options.quick ? sizes.quick : sizes.full;
  const upstream = await startFakeUpstream();
  try {
    const provider = createOpenAI({ baseURL: upstream.openaiBaseURL, apiKey: 'bench' });
    const direct = probed(fromAiSdk(provider('gpt-4o-mini')));
    const adapters = new Map<string, ReturnType<typeof probed>>();
    const gateway = createGateway({
      resolve: (reference) => {
        const modelId = String(reference).split(':')[1] ?? 'gpt-4o-mini';
        const adapter = adapters.get(modelId) ?? probed(fromAiSdk(provider(modelId)));
        adapters.set(modelId, adapter);
        return adapter.model;
      },
    });
    const viaGateway = gateway.modelFor(
      defineAgent({
        name: 'bench',
        model: 'openai:gpt-4o-mini',
        fallbacks: ['openai:gpt-4.1-mini'],
        routing: { cheap: 'openai:gpt-4.1-nano', when: ({ purpose }) => purpose === 'classify' },
        modelSettings: { firstTokenTimeoutMs: 30_000, timeoutMs: 60_000 },
        instructions: 'Be brief.',
      }),
    );
    const primary = adapters.get('gpt-4o-mini');
    if (primary === undefined) throw new Error('the gateway did not resolve its primary model');

    options.log(`gateway-latency: ${size.warmup} warm-up and ${size.calls} measured calls each, direct and through the gateway`);
    const samples = { directTotal: [] as number[], gatewayTotal: [] as number[], directOutside: [] as number[], gatewayOutside: [] as number[] };
    for (let index = 0; index < size.warmup + size.calls; index += 1) {
      // Alternate which goes first, so neither always benefits from a warm connection.
      const first = index % 2 === 0;
      const a = first ? await streamOnce(direct.model, direct.takeInsideMs) : undefined;
      const g = await streamOnce(viaGateway, primary.takeInsideMs);
      const d = a ?? (await streamOnce(direct.model, direct.takeInsideMs));
      if (index < size.warmup) continue;
      samples.directTotal.push(d.totalMs);
      samples.gatewayTotal.push(g.totalMs);
      samples.directOutside.push(d.outsideMs);
      samples.gatewayOutside.push(g.outsideMs);
    }
    const total = { direct: stats(samples.directTotal), gateway: stats(samples.gatewayTotal) };
    const outside = { direct: stats(samples.directOutside), gateway: stats(samples.gatewayOutside) };
    const ms = (value: number) => value * 1000;
    return {
      id: 'gateway-latency',
      title: 'Model gateway added latency',
      status: 'ok',
      figures: [
        ...(['p50', 'p99'] as const).map((p) =>
          compare({
            name: `streamed call end to end, ${p}`,
            baseline: { label: `direct AI SDK call, ${p}`, value: total.direct[p], unit: 'ms' },
            measured: { label: `through the gateway, ${p}`, value: total.gateway[p], unit: 'ms' },
            ratioOf: 'gateway / direct',
          }),
        ),
        ...(['p50', 'p99'] as const).map((p) =>
          compare({
            name: `time outside the adapter per call, ${p}`,
            baseline: { label: `direct call, ${p}`, value: ms(outside.direct[p]), unit: 'µs' },
            measured: { label: `gateway call, ${p}`, value: ms(outside.gateway[p]), unit: 'µs' },
            ratioOf: 'gateway / direct',
            // "Added latency <= 1 ms" as a ratio: gateway <= direct + 1 ms (1,000 µs).
            bar: { text: `${p} added <= 1 ms`, max: (ms(outside.direct[p]) + 1000) / ms(outside.direct[p]) },
          }),
        ),
      ],
      details: {
        calls: size.calls,
        addedP50Us: ms(outside.gateway.p50 - outside.direct.p50),
        addedP99Us: ms(outside.gateway.p99 - outside.direct.p99),
        endToEndAddedP50Ms: total.gateway.p50 - total.direct.p50,
        endToEndAddedP99Ms: total.gateway.p99 - total.direct.p99,
        endToEndMedianOfDifferencesMs: median(samples.gatewayTotal.map((value, index) => value - (samples.directTotal[index] ?? value))),
        layers: 'routing, fallback chain, retry, circuit breaker, timeouts, validation',
      },
    };
  } finally {
    await upstream.close();
  }
}

export const gatewayLatency: BenchModule = { id: 'gateway-latency', title: 'Model gateway added latency', run };
