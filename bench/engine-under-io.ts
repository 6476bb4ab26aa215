import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Model } from '../src/gateway/model.ts';
import { instantModel } from './lib/instant-model.ts';
import { benchAgent, benchRuntime, benchToolOutput, timedRun, toolName, type BenchRuntime } from './lib/keel-agent.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport } from './lib/report.ts';
import { startFakeUpstream, upstreamRoundTripMs, type FakeUpstream } from './lib/start-fake-upstream.ts';
import { withTemporaryDirectory } from './lib/temporary-directory.ts';
import { median, warmupRounds } from './lib/timing.ts';

/*
 * What a turn costs once Keel's engine and network I/O take turns, as they do on every turn over
 * HTTP. Three contenders, interleaved in one process, each run after the same 5 ms pause:
 *
 *  - `inProcess`: a Keel run whose instant model answers at once;
 *  - `overIo`: the same agent, its instant model answering only after one bare `node:http` round
 *    trip to the fake upstream (no request encoding, no stream parsing: the answer is the same);
 *  - `roundTrips`: those round trips alone, back to back, as many as a run makes (no engine).
 *
 * If neither side's cost depended on the other, `overIo` would cost `inProcess` plus
 * `roundTrips`. The excess is what the alternation itself costs: the engine's code, the HTTP
 * client's, or both, running slower between network waits than back to back. It cannot say which
 * side pays, nor how much of the CLI path's overhead over the turn floor it makes up (the floor's
 * own loop alternates with the same waits); it measures the effect without Keel's provider,
 * request encoding or stream parsing in the way. Reported only.
 */

const id = 'engine-under-io';
const title = "Keel's turn alternating with network I/O, against the same turn in-process plus the bare I/O";
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

/** Wall and CPU time of `work` alone. */
async function measured(work: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1_000 };
}

/** One run of `keel`'s agent (`timedRun`: checked, outside its timing, to have made every tool call), with its commits. */
async function measuredRun(keel: BenchRuntime, turns: number): Promise<{ ms: number; cpuMs: number; commits: number }> {
  const commitsBefore = keel.appends();
  const { ms, cpuMs } = await timedRun(keel.runtime, 'read', turns);
  return { ms, cpuMs, commits: keel.appends() - commitsBefore };
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
      const commits = { inProcess: 0, overIo: 0 };
      const contenders = {
        inProcess: async () => {
          const result = await measuredRun(hot, turns);
          commits.inProcess = result.commits;
          return result;
        },
        overIo: async () => {
          const result = await measuredRun(overIo, turns);
          commits.overIo = result.commits;
          return result;
        },
        // A run makes a model call per turn and one for its final answer.
        roundTrips: () =>
          measured(async () => {
            for (let call = 0; call <= turns; call += 1) await upstreamRoundTripMs(upstream);
          }),
      };
      const names = Object.keys(contenders) as (keyof typeof contenders)[];
      const samples = Object.fromEntries(names.map((name) => [name, { ms: [] as number[], cpuMs: [] as number[] }]));
      const warmup = warmupRounds(turns, options.quick);
      options.log(`${id}: ${runs} runs of ${turns} turns per contender, after ${warmup} unmeasured`);
      for (let round = 0; round < warmup + runs; round += 1) {
        for (const name of names) {
          // Lets the previous contender's tail work (its sockets, the upstream's) finish first.
          await new Promise((resolve) => setTimeout(resolve, 5));
          const { ms, cpuMs } = await contenders[name]();
          if (round < warmup) continue;
          samples[name]?.ms.push(ms / turns);
          samples[name]?.cpuMs.push(cpuMs / turns);
        }
      }
      const perTurn = (name: keyof typeof contenders, of: 'ms' | 'cpuMs') => median(samples[name]?.[of] ?? []);
      const sum = { ms: perTurn('inProcess', 'ms') + perTurn('roundTrips', 'ms'), cpuMs: perTurn('inProcess', 'cpuMs') + perTurn('roundTrips', 'cpuMs') };
      const details: BenchReport['details'] = {
        turns,
        runs,
        warmupRuns: warmup,
        'inProcess.commitsPerRun': commits.inProcess,
        'overIo.commitsPerRun': commits.overIo,
      };
      for (const name of names) {
        details[`${name}.msPerTurn`] = perTurn(name, 'ms');
        details[`${name}.cpuMsPerTurn`] = perTurn(name, 'cpuMs');
      }
      // Medians added and subtracted: a rough figure, as the spread of each is not in it.
      details['excess.msPerTurn'] = perTurn('overIo', 'ms') - sum.ms;
      details['excess.cpuMsPerTurn'] = perTurn('overIo', 'cpuMs') - sum.cpuMs;
      const figure = (of: 'ms' | 'cpuMs', unit: string) =>
        compare({
          name: `${turns}-turn run, ${of === 'ms' ? 'time' : 'CPU'} per turn: the run over I/O against the run in-process + the bare I/O`,
          baseline: { label: 'in-process run + bare round trips', value: sum[of], unit },
          measured: { label: 'the same run, its model answering after a round trip', value: perTurn('overIo', of), unit },
          ratioOf: 'over I/O / (in-process + I/O)',
        });
      return { id, title, status: 'ok', figures: [figure('cpuMs', 'ms CPU/turn'), figure('ms', 'ms/turn')], details };
    } finally {
      try {
        for (const keel of runtimes) await keel.close();
      } finally {
        await upstream.close();
      }
    }
  });
}

export const engineUnderIo: BenchModule = { id, title, run };
