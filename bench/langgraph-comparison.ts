import { join } from 'node:path';
import type { Model } from '../src/gateway/model.ts';
import { resolveModel } from '../src/gateway/resolve-model.ts';
import { ensureLangGraph } from './langgraph/install.ts';
import { createLangGraphLoop, type LangGraphLoop } from './langgraph/loop.ts';
import { instantModel } from './lib/instant-model.ts';
import { benchAgent, benchRuntime, timedRun, toolName, type BenchRuntime } from './lib/keel-agent.ts';
import { compare, unavailable, type BenchModule, type BenchOptions, type BenchReport, type Figure } from './lib/report.ts';
import { startFakeUpstream, upstreamRoundTripMs } from './lib/start-fake-upstream.ts';
import { withTemporaryDirectory } from './lib/temporary-directory.ts';
import { interleave, warmupRounds } from './lib/timing.ts';

const id = 'langgraph';
const title = 'Keel vs LangGraph.js (SQLite checkpointer, durability "sync")';
const instructions = 'Read records until you are told to stop.';

const sizes = {
  full: { short: { turns: 20, runs: 15 }, long: { turns: 200, runs: 3 }, http: { turns: 20, runs: 15 } },
  quick: { short: { turns: 2, runs: 1 }, long: { turns: 4, runs: 1 }, http: { turns: 2, runs: 1 } },
};

/**
 * A small record, the same on both sides. Kept small on purpose: LangGraph checkpoints the whole
 * message list at every step, so larger tool results would slow it down further and flatter Keel.
 */
const toolOutput = (recordId: number) => ({ id: recordId, name: `Record ${recordId}`, status: 'ok' });

interface Side {
  run(input: string): Promise<{ ms: number; steps: number }>;
}

/** Interleaves runs of every side; medians of ms per step (durable commit / checkpoint) and per turn. */
async function race<Name extends string>(sides: Record<Name, Side>, turns: number, runs: number, quick: boolean) {
  const names = Object.keys(sides) as Name[];
  const steps = {} as Record<Name, number>;
  let index = 0;
  const contenders = {} as Record<Name, () => Promise<number>>;
  for (const name of names) {
    contenders[name] = async () => {
      const { ms, steps: made } = await sides[name].run(`run ${(index += 1)}: ${turns} turns`);
      steps[name] = made;
      return ms / made;
    };
  }
  await interleave(warmupRounds(turns, quick), contenders);
  const perStep = await interleave(runs, contenders);
  const perTurn = {} as Record<Name, number>;
  for (const name of names) perTurn[name] = (perStep[name] * steps[name]) / turns;
  return { perStep, perTurn, steps };
}

function keelSide(keel: BenchRuntime, turns: number): Side {
  return {
    async run(input) {
      const before = keel.appends();
      const { ms } = await timedRun(keel.runtime, input, turns);
      return { ms, steps: keel.appends() - before };
    },
  };
}

function langGraphSide(loop: LangGraphLoop): Side {
  return {
    async run(input) {
      const { ms, checkpoints } = await loop.run(input);
      return { ms, steps: checkpoints };
    },
  };
}

/** (b) Engine overhead: an in-process model that answers at once on both sides. */
async function inProcess(directory: string, size: { turns: number; runs: number }, details: BenchReport['details'], quick: boolean): Promise<Figure> {
  const { turns, runs } = size;
  const agent = benchAgent({ model: instantModel({ turns, toolName }), turns, toolOutput });
  const keel = await benchRuntime({ agent, databasePath: join(directory, `keel-${turns}.db`) });
  const loop = await createLangGraphLoop({ databasePath: join(directory, `langgraph-${turns}.db`), turns, toolOutput });
  try {
    const result = await race({ keel: keelSide(keel, turns), langGraph: langGraphSide(loop) }, turns, runs, quick);
    Object.assign(details, {
      [`inProcess${turns}.keelMsPerTurn`]: result.perTurn.keel,
      [`inProcess${turns}.langGraphMsPerTurn`]: result.perTurn.langGraph,
      [`inProcess${turns}.keelCommitsPerRun`]: result.steps.keel,
      [`inProcess${turns}.langGraphCheckpointsPerRun`]: result.steps.langGraph,
      [`inProcess${turns}.runs`]: runs,
      [`inProcess${turns}.warmupRuns`]: warmupRounds(turns, quick),
      langGraphSqliteSynchronous: loop.synchronous === 1 ? 'NORMAL' : String(loop.synchronous),
    });
    // Per turn (one model call + one tool call), the same work on both sides: a Keel commit and a
    // LangGraph checkpoint are not the same unit (Keel commits about once a turn, LangGraph twice).
    Object.assign(details, {
      [`inProcess${turns}.keelMsPerCommit`]: result.perStep.keel,
      [`inProcess${turns}.langGraphMsPerCheckpoint`]: result.perStep.langGraph,
    });
    return compare({
      name: `engine overhead per turn, in-process model, ${turns}-turn run`,
      baseline: { label: 'Keel', value: result.perTurn.keel, unit: 'ms/turn' },
      measured: { label: 'LangGraph (SQLite checkpointer)', value: result.perTurn.langGraph, unit: 'ms/turn' },
      ratioOf: 'LangGraph / Keel',
      bar: { text: '>= 10x', min: 10 },
    });
  } finally {
    loop.close();
    await keel.close();
  }
}

/**
 * (a) The same fake upstream over HTTP: Keel's openai-compatible provider vs ChatOpenAI. Keel
 * streams whenever its model can, as users get it; LangGraph's `invoke` does not, so Keel is
 * also measured with streaming turned off, the like-for-like transport.
 */
async function overHttp(directory: string, size: { turns: number; runs: number }, details: BenchReport['details'], quick: boolean): Promise<Figure[]> {
  const { turns, runs } = size;
  const upstream = await startFakeUpstream();
  const providers = { openaiCompatible: { baseURL: upstream.openaiBaseURL, apiKey: 'bench' } };
  const streaming = resolveModel('openai-compatible:fake-model', { providers, env: {} });
  const nonStreaming: Model = { provider: streaming.provider, modelId: streaming.modelId, generate: (request) => streaming.generate(request) };
  const keel = await benchRuntime({ agent: benchAgent({ model: streaming, turns, toolOutput }), databasePath: join(directory, 'keel-http.db') });
  const keelGenerate = await benchRuntime({
    agent: benchAgent({ model: nonStreaming, turns, toolOutput }),
    databasePath: join(directory, 'keel-http-generate.db'),
  });
  const loop = await createLangGraphLoop({
    databasePath: join(directory, 'langgraph-http.db'),
    turns,
    toolOutput,
    upstream: { baseURL: upstream.openaiBaseURL, model: 'fake-model', instructions },
  });
  try {
    // The bare round trip runs interleaved with the rest: the floor under any per-turn time here.
    const roundTrip: Side = {
      async run() {
        let ms = 0;
        for (let turn = 0; turn < turns; turn += 1) ms += await upstreamRoundTripMs(upstream);
        return { ms, steps: turns };
      },
    };
    const sides = { keel: keelSide(keel, turns), keelGenerate: keelSide(keelGenerate, turns), langGraph: langGraphSide(loop), roundTrip };
    const result = await race(sides, turns, runs, quick);
    Object.assign(details, {
      'http.turns': turns,
      'http.runs': runs,
      'http.warmupRuns': warmupRounds(turns, quick),
      'http.keelMsPerStep': result.perStep.keel,
      'http.keelGenerateMsPerStep': result.perStep.keelGenerate,
      'http.langGraphMsPerStep': result.perStep.langGraph,
      'http.upstreamRoundTripMs': result.perTurn.roundTrip,
    });
    const measured = { label: 'LangGraph (ChatOpenAI invoke)', value: result.perTurn.langGraph, unit: 'ms/turn' };
    const versus = { measured, ratioOf: 'LangGraph / Keel', bar: { text: '>= 5x', min: 5 } };
    return [
      compare({
        name: `per turn, fake upstream over HTTP, ${turns}-turn run`,
        baseline: { label: 'Keel (openai-compatible, streaming)', value: result.perTurn.keel, unit: 'ms/turn' },
        ...versus,
      }),
      compare({
        name: 'per turn, same, Keel not streaming',
        baseline: { label: 'Keel (openai-compatible, generate)', value: result.perTurn.keelGenerate, unit: 'ms/turn' },
        ...versus,
      }),
    ];
  } finally {
    loop.close();
    await keel.close();
    await keelGenerate.close();
    await upstream.close();
  }
}

async function run(options: BenchOptions): Promise<BenchReport> {
  const availability = await ensureLangGraph({ install: options.installPeers, log: options.log });
  if (!availability.available) return unavailable(id, title, availability.reason);
  const size = options.quick ? sizes.quick : sizes.full;
  return await withTemporaryDirectory(async (directory) => {
    const details: BenchReport['details'] = {};
    const figures: Figure[] = [];
    for (const engine of [size.short, size.long]) {
      options.log(`langgraph: in-process model, ${engine.runs} runs of ${engine.turns} turns each side`);
      figures.push(await inProcess(directory, engine, details, options.quick));
    }
    options.log(`langgraph: fake upstream over HTTP, ${size.http.runs} runs of ${size.http.turns} turns each side`);
    figures.push(...(await overHttp(directory, size.http, details, options.quick)));
    return { id, title, status: 'ok', figures, details };
  });
}

export const langGraphComparison: BenchModule = { id, title, run };
