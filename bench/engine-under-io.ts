import { join } from 'node:path';
import type { Model } from '../src/gateway/model.ts';
import { instantModel } from './lib/instant-model.ts';
import { benchAgent, benchRuntime, benchToolOutput, timedRun, toolName, type BenchRuntime } from './lib/keel-agent.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport } from './lib/report.ts';
import { startFakeUpstream, upstreamRoundTripMs, type FakeUpstream } from './lib/start-fake-upstream.ts';
import { withTemporaryDirectory } from './lib/temporary-directory.ts';
import { median, warmupRounds } from './lib/timing.ts';

/*
 * What Keel's own work per turn costs once its turns are interleaved with network I/O, as every
 * turn over HTTP is. The same engine and agent run three ways, interleaved in one process:
 *
 *  - `inProcess`: the instant model answers at once (the engine's turn with hot caches);
 *  - `overIo`: the same model answers only after one bare `node:http` round trip to the fake
 *    upstream (its answer is still the instant one: no request encoding, no stream parsing);
 *  - `roundTrips`: those round trips alone, as many as a run makes.
 *
 * If the engine's cost did not depend on the I/O around it, `overIo` would cost `inProcess` plus
 * `roundTrips`. It costs more: the excess is CPU the engine's code spends only when its turns
 * alternate with network waits (caches and predictors cold after each wake-up), which no
 * in-process figure shows and which the turn floor's hand-written loop, being small, barely pays.
 * Reported only: it says how much of the CLI path's overhead over the floor is this effect.
 */

const id = 'engine-under-io';
const title = "Keel's turn interleaved with network I/O, against the same turn in-process plus the bare I/O";
const sizes = { full: { turns: 10, runs: 200 }, quick: { turns: 2, runs: 1 } };

/** The instant model, answering after one bare round trip to `upstream`. */
function afterRoundTrip(model: Model, upstream: FakeUpstream): Model {
  return {
    provider: model.provider,
    modelId: model.modelId,
    async generate(request) {
      await upstreamRoundTripMs(upstream);
      return await model.generate(request);
    },
  };
}

async function run(options: BenchOptions): Promise<BenchReport> {
  const { turns, runs } = options.quick ? sizes.quick : sizes.full;
  return await withTemporaryDirectory(async (directory) => {
    const upstream = await startFakeUpstream();
    const instant = instantModel({ turns, toolName });
    const runtimes: BenchRuntime[] = [];
    const open = async (name: string, model: Model) => {
      const keel = await benchRuntime({ agent: benchAgent({ model, turns, toolOutput: benchToolOutput }), databasePath: join(directory, `${name}.db`) });
      runtimes.push(keel);
      return keel;
    };
    try {
      const hot = await open('in-process', instant);
      const overIo = await open('over-io', afterRoundTrip(instant, upstream));
      // Each returns its run's time. CPU is measured around the call, which for both runs also
      // covers `timedRun`'s check that the run made every tool call: the same read on both sides.
      const contenders: Record<'inProcess' | 'overIo' | 'roundTrips', () => Promise<number>> = {
        inProcess: async () => (await timedRun(hot.runtime, 'read', turns)).ms,
        overIo: async () => (await timedRun(overIo.runtime, 'read', turns)).ms,
        // A run makes a model call per turn and one for its final answer.
        roundTrips: async () => {
          let ms = 0;
          for (let call = 0; call <= turns; call += 1) ms += await upstreamRoundTripMs(upstream);
          return ms;
        },
      };
      const names = Object.keys(contenders) as (keyof typeof contenders)[];
      const samples = Object.fromEntries(names.map((name) => [name, { ms: [] as number[], cpuMs: [] as number[] }]));
      const warmup = warmupRounds(turns, options.quick);
      options.log(`${id}: ${runs} runs of ${turns} turns per contender, after ${warmup} unmeasured`);
      for (let round = 0; round < warmup + runs; round += 1) {
        for (const name of names) {
          // A pause before each run, as between the runs of a turn-floor race.
          await new Promise((resolve) => setTimeout(resolve, 5));
          const cpuBefore = process.cpuUsage();
          const ms = await contenders[name]();
          const cpu = process.cpuUsage(cpuBefore);
          if (round < warmup) continue;
          samples[name]?.ms.push(ms / turns);
          samples[name]?.cpuMs.push((cpu.user + cpu.system) / 1_000 / turns);
        }
      }
      const perTurn = (name: keyof typeof contenders, of: 'ms' | 'cpuMs') => median(samples[name]?.[of] ?? []);
      const sum = { ms: perTurn('inProcess', 'ms') + perTurn('roundTrips', 'ms'), cpuMs: perTurn('inProcess', 'cpuMs') + perTurn('roundTrips', 'cpuMs') };
      const details: BenchReport['details'] = { turns, runs, warmupRuns: warmup };
      for (const name of names) {
        details[`${name}.msPerTurn`] = perTurn(name, 'ms');
        details[`${name}.cpuMsPerTurn`] = perTurn(name, 'cpuMs');
      }
      details['excess.msPerTurn'] = perTurn('overIo', 'ms') - sum.ms;
      details['excess.cpuMsPerTurn'] = perTurn('overIo', 'cpuMs') - sum.cpuMs;
      const figure = (of: 'ms' | 'cpuMs', unit: string) =>
        compare({
          name: `${turns}-turn run, ${of === 'ms' ? 'time' : 'CPU'} per turn: the engine over I/O against in-process + the bare I/O`,
          baseline: { label: 'in-process turn + bare round trip', value: sum[of], unit },
          measured: { label: 'the same turn, its model answering after the round trip', value: perTurn('overIo', of), unit },
          ratioOf: 'over I/O / (in-process + I/O)',
        });
      return { id, title, status: 'ok', figures: [figure('cpuMs', 'ms CPU/turn'), figure('ms', 'ms/turn')], details };
    } finally {
      for (const keel of runtimes) await keel.close();
      await upstream.close();
    }
  });
}

export const engineUnderIo: BenchModule = { id, title, run };
