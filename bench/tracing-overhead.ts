import { join } from 'node:path';
import { createRuntime, type KeelRuntime } from '../src/keel.ts';
import { defineConfig } from '../src/sdk/define-config.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/store.ts';
import { createSilentLogger } from '../src/telemetry/logger.ts';
import { tracingSettingsFromEnv } from '../src/telemetry/tracing/tracing-settings.ts';
import { startDiscardReceiver } from './lib/discard-receiver.ts';
import { startFakeUpstream } from './lib/start-fake-upstream.ts';
import { instantModel } from './lib/instant-model.ts';
import { benchAgent, timedRun, toolName } from './lib/keel-agent.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport } from './lib/report.ts';
import { withTemporaryDirectory } from './lib/temporary-directory.ts';
import { interleave } from './lib/timing.ts';

/*
 * What tracing adds to an agent turn: the same Keel run (instant model, one read tool per turn)
 * with tracing off and with tracing on — every span derived from the journal and exported over
 * OTLP/HTTP protobuf through the batch span processor to a local endpoint — interleaved round by
 * round on two stores of the same kind.
 */
const sizes = { full: { turns: 50, runs: 20, httpRuns: 10, rounds: 15 }, quick: { turns: 3, runs: 2, httpRuns: 1, rounds: 1 } };
const id = 'tracing-overhead';
const title = 'Tracing overhead per agent turn';

async function run(options: BenchOptions): Promise<BenchReport> {
  const size = options.quick ? sizes.quick : sizes.full;
  const receiver = await startDiscardReceiver();
  try {
    return await withTemporaryDirectory(async (directory) => {
      const agent = benchAgent({
        model: instantModel({ turns: size.turns, toolName, yieldToEventLoop: true }),
        turns: size.turns,
        toolOutput: (record) => ({ record, status: 'ok' }),
      });
      const config = defineConfig({ agents: [agent] });
      // The same agent as users run it: the openai-compatible provider, streaming, against a fake
      // upstream in its own process (a turn is then a model call over HTTP, as in turn-floor).
      const upstream = await startFakeUpstream();
      const httpConfig = defineConfig({
        agents: [benchAgent({ model: 'openai-compatible:fake-model', turns: size.turns, toolOutput: (record) => ({ record, status: 'ok' }) })],
        providers: { openaiCompatible: { baseURL: upstream.openaiBaseURL, apiKey: 'bench' } },
      });
      const open = async (name: string, traced: boolean, runConfig = config): Promise<{ runtime: KeelRuntime; store: Store }> => {
        const store = createSqliteStore({ path: join(directory, `${name}.db`) });
        await store.migrate();
        // The batch span processor's defaults, as a user gets them.
        const otlp = tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }).settings;
        const runtime = createRuntime({
          config: runConfig,
          store,
          logger: createSilentLogger(),
          leaseMs: 60_000,
          tracing: traced && otlp !== undefined ? { otlp } : false,
        });
        return { runtime, store };
      };
      const off = await open('off', false);
      const on = await open('on', true);
      const httpOff = await open('http-off', false, httpConfig);
      const httpOn = await open('http-on', true, httpConfig);
      try {
        const perTurnUs = (keel: { runtime: KeelRuntime }, runs: number) => async () => {
          let totalMs = 0;
          for (let index = 0; index < runs; index += 1) totalMs += (await timedRun(keel.runtime, `run ${index}: ${size.turns} turns`, size.turns)).ms;
          return (totalMs * 1_000) / (runs * size.turns);
        };
        options.log(`${id}: ${size.rounds} rounds of ${size.runs} runs × ${size.turns} turns, tracing off and on (and ${size.httpRuns} runs over HTTP)`);
        const contenders = {
          off: perTurnUs(off, size.runs),
          on: perTurnUs(on, size.runs),
          httpOff: perTurnUs(httpOff, size.httpRuns),
          httpOn: perTurnUs(httpOn, size.httpRuns),
        };
        await interleave(1, contenders); // warm-up: JIT, the SDK's first load
        const us = await interleave(size.rounds, contenders);
        await on.runtime.close();
        await httpOn.runtime.close();
        return {
          id,
          title,
          status: 'ok',
          figures: [
            compare({
              name: 'agent turn, tracing on (OTLP to a local endpoint)',
              baseline: { label: 'tracing off', value: us.off, unit: 'µs/turn' },
              measured: { label: 'tracing on', value: us.on, unit: 'µs/turn' },
              ratioOf: 'traced / untraced',
              bar: { text: '<= 1.05x', max: 1.05 },
            }),
            compare({
              name: 'agent turn over HTTP (openai-compatible, streaming, fake upstream), tracing on',
              baseline: { label: 'tracing off', value: us.httpOff, unit: 'µs/turn' },
              measured: { label: 'tracing on', value: us.httpOn, unit: 'µs/turn' },
              ratioOf: 'traced / untraced',
              bar: { text: '<= 1.05x', max: 1.05 },
            }),
          ],
          details: {
            turnsPerRun: size.turns,
            runsPerRound: size.runs,
            rounds: size.rounds,
            exportRequests: receiver.stats.requests,
            exportedBytes: receiver.stats.bytes,
          },
        };
      } finally {
        for (const keel of [off, on, httpOff, httpOn]) {
          await keel.runtime.close();
          await keel.store.close();
        }
        await upstream.close();
      }
    });
  } finally {
    await receiver.close();
  }
}

export const tracingOverhead: BenchModule = { id, title, run };
