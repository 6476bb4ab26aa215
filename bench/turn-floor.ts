import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runAndPrint } from '../src/cli/commands/run.ts';
import type { CliIo } from '../src/cli/command.ts';
import { ensureLangGraph } from './langgraph/install.ts';
import { createLangGraphLoop, type LangGraphLoop } from './langgraph/loop.ts';
import { createBareTurnLoop, type BareTurnLoop } from './lib/bare-turn-loop.ts';
import { openPhaseProbe, phaseMedians, type PhaseMedians, type RunPhases } from './lib/http-phases.ts';
import { benchAgent, benchRuntime, benchToolOutput, toolName, type BenchRuntime } from './lib/keel-agent.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport, type Figure } from './lib/report.ts';
import { startAgentServer, type AgentServer } from './lib/start-agent-server.ts';
import { startFakeUpstream } from './lib/start-fake-upstream.ts';
import { withTemporaryDirectory } from './lib/temporary-directory.ts';
import { median, warmupRounds } from './lib/timing.ts';

const id = 'turn-floor';
const title = 'Per-turn cost over HTTP: Keel (CLI path, server path + SSE) against the floor and LangGraph.js';
const instructions = 'Read records until you are told to stop.';

/** Run lengths and runs per contender (medians); the longest sets the agent's limits. */
const sizes = {
  full: [
    { turns: 10, runs: 15 },
    { turns: 60, runs: 7 },
    { turns: 200, runs: 3 },
  ],
  quick: [
    { turns: 2, runs: 1 },
    { turns: 4, runs: 1 },
  ],
};

/** Keel's own work per turn above the floor, at most (ms): the bars of the CLI and the server path. */
const bars = { cli: 0.5, server: 1 };

/** A whole run, timed: one contender of the race. */
type Contender = (input: string) => Promise<{ ms: number; toolCalls: number; remoteCpuMs?: number; phases?: RunPhases; endedAt?: number }>;

/** The same contender, its model calls timed phase by phase (see http-phases.ts). */
function probed(contender: Contender, probe: ReturnType<typeof openPhaseProbe>): Contender {
  return async (input) => {
    const { result, phases } = await probe.time(() => contender(input));
    return { ...result, phases };
  };
}

/** Discards what `keel run` prints, as a terminal that keeps up would. */
function quietIo(): CliIo {
  const sink = { write: () => true, isTTY: false };
  return { stdout: sink, stderr: sink, env: {}, cwd: process.cwd(), onSignal: () => () => undefined };
}

/**
 * The `keel run` path: the run is created, claimed and executed in this process while its
 * journal is followed and every event printed (to a sink), exactly as `keel run AGENT INPUT` does
 * after its start-up.
 */
function cliContender(keel: BenchRuntime): Contender {
  const io = quietIo();
  return async (input) => {
    const started = performance.now();
    let runId = '';
    const code = await runAndPrint({ agent: 'bench', input }, keel.runtime, io, (run) => (runId = run.id));
    const endedAt = performance.now();
    if (code !== 0) throw new Error(`keel run exited ${code}`);
    let toolCalls = 0;
    for await (const entry of keel.runtime.events(runId, { follow: false })) if (entry.type === 'tool-result') toolCalls += 1;
    // The run's end for the phase probe too: the count above is a check, not part of the run.
    return { ms: endedAt - started, toolCalls, endedAt };
  };
}

/**
 * The server path: `POST /v1/runs`, then `GET /v1/runs/{id}/events` read frame by frame (every
 * event parsed) until `run-end`, from this process to a Keel server (with its worker) in another.
 */
function serverContender(server: AgentServer): Contender {
  const headers = { authorization: `Bearer ${server.key}` };
  return async (input) => {
    const cpuBefore = await server.cpuMicros();
    const started = performance.now();
    const posted = await fetch(`${server.url}/v1/runs`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ agent: 'bench', input, userId: 'bench' }),
    });
    const { id: runId } = (await posted.json()) as { id?: string };
    if (posted.status !== 202 || runId === undefined) throw new Error(`POST /v1/runs answered ${posted.status}`);
    const stream = await fetch(`${server.url}/v1/runs/${runId}/events`, { headers });
    if (stream.status !== 200 || stream.body === null) throw new Error(`the event stream answered ${stream.status}`);
    const { end, toolCalls } = await readRunStream(stream.body);
    const ms = performance.now() - started;
    if (end.status !== 'completed') throw new Error(`the run ended ${String(end.status)}`);
    // Read after the run's end has reached this client: what the server still does for the run
    // afterwards (releasing its lease, closing the stream) lands in the next sample, alike for all.
    const remoteCpuMs = ((await server.cpuMicros()) - cpuBefore) / 1_000;
    return { ms, toolCalls, remoteCpuMs };
  };
}

/** Reads a run's event stream to `run-end`, parsing every frame; counts its tool results. */
async function readRunStream(body: ReadableStream<Uint8Array>): Promise<{ end: Record<string, unknown>; toolCalls: number }> {
  const decoder = new TextDecoder();
  let buffer = '';
  let toolCalls = 0;
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    for (let cut = buffer.indexOf('\n\n'); cut !== -1; cut = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.+)$/m.exec(frame)?.[1];
      const data = /^data: (.+)$/m.exec(frame)?.[1];
      if (event === undefined || data === undefined) continue;
      const entry = JSON.parse(data) as Record<string, unknown>;
      if (event === 'tool-result') toolCalls += 1;
      if (event === 'run-end') {
        await body.cancel().catch(() => undefined);
        return { end: entry, toolCalls };
      }
    }
  }
  throw new Error('the event stream ended before run-end');
}

function floorContender(loop: BareTurnLoop): Contender {
  return (input) => loop.run(input);
}

function langGraphContender(loop: LangGraphLoop, turns: number): Contender {
  return async (input) => {
    const { ms } = await loop.run(input);
    // The loop checks its own tool-call count and throws when it differs.
    return { ms, toolCalls: turns };
  };
}

/** Per-turn medians of one contender: wall time, and CPU time of Keel's (or the bare loop's) processes. */
interface PerTurn {
  ms: number;
  cpuMs: number;
  phases?: PhaseMedians;
}

/**
 * Interleaved runs of every contender (a, b, c, a, b, c, …, after `warmup` rounds unmeasured), each
 * checked to have made exactly `turns` tool calls: medians per turn. CPU time counts this
 * process and, for the server path, the server's (never the upstream's, the same on every side):
 * on a machine shared with other work it is the steadier measure of a contender's own work.
 */
async function race<Name extends string>(contenders: Record<Name, Contender>, turns: number, runs: number, warmup: number): Promise<Record<Name, PerTurn>> {
  const names = Object.keys(contenders) as Name[];
  const samples = new Map<Name, { ms: number[]; cpuMs: number[]; phases: RunPhases[] }>(names.map((name) => [name, { ms: [], cpuMs: [], phases: [] }]));
  let index = 0;
  for (let round = 0; round < warmup + runs; round += 1) {
    for (const name of names) {
      const cpuBefore = process.cpuUsage();
      const { ms, toolCalls, remoteCpuMs = 0, phases } = await settled(() => contenders[name](`run ${(index += 1)}: ${turns} turns`));
      const cpu = process.cpuUsage(cpuBefore);
      if (toolCalls !== turns) throw new Error(`${name} made ${toolCalls} tool calls, expected ${turns}`);
      if (round < warmup) continue;
      samples.get(name)?.ms.push(ms / turns);
      samples.get(name)?.cpuMs.push(((cpu.user + cpu.system) / 1_000 + remoteCpuMs) / turns);
      if (phases !== undefined) samples.get(name)?.phases.push(phases);
    }
  }
  return Object.fromEntries(
    names.map((name) => {
      const { ms, cpuMs, phases } = samples.get(name) ?? { ms: [], cpuMs: [], phases: [] };
      return [name, { ms: median(ms), cpuMs: median(cpuMs), ...(phases.length === 0 ? {} : { phases: phaseMedians(phases) }) }];
    }),
  ) as Record<Name, PerTurn>;
}

/**
 * Lets the previous contender's processes finish their tail work (a server releasing its lease
 * and closing the stream, the upstream's sockets) before the next run starts, untimed: on two
 * shared cores it would otherwise land on the first turns of the next run, and short runs most.
 */
async function settled<T>(work: () => Promise<T>): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  return await work();
}

/** A bar on an absolute overhead, as a ratio to the bar (≤ 1 is met). Below 1 µs it reads as 1 µs (measurement resolution). */
function overheadFigure(name: string, overheadMs: number, barMs: number): Figure {
  return compare({
    name,
    baseline: { label: `the ${barMs} ms bar`, value: barMs * 1_000, unit: 'µs/turn' },
    measured: { label: 'Keel per turn minus the floor', value: Math.max(1, overheadMs * 1_000), unit: 'µs/turn' },
    ratioOf: 'overhead / bar',
    bar: { text: '<= 1', max: 1 },
  });
}

async function run(options: BenchOptions): Promise<BenchReport> {
  const plan = options.quick ? sizes.quick : sizes.full;
  const maxTurns = Math.max(...plan.map((size) => size.turns));
  const availability = await ensureLangGraph({ install: options.installPeers, log: options.log });
  return await withTemporaryDirectory(async (directory) => {
    const upstream = await startFakeUpstream();
    const server = await startAgentServer(upstream.openaiBaseURL, maxTurns);
    const keel = await benchRuntime({
      agent: benchAgent({ model: 'openai-compatible:fake-model', turns: maxTurns, toolOutput: benchToolOutput }),
      databasePath: join(directory, 'keel-cli.db'),
      providers: { openaiCompatible: { baseURL: upstream.openaiBaseURL, apiKey: 'bench' } },
    });
    const floor = createBareTurnLoop({
      baseURL: upstream.openaiBaseURL,
      databasePath: join(directory, 'floor.db'),
      instructions,
      toolName,
      toolOutput: benchToolOutput,
    });
    const langGraphLoops: LangGraphLoop[] = [];
    // Both contenders whose model calls leave this process through node:http.
    const probe = openPhaseProbe();
    const details: BenchReport['details'] = { langGraph: availability.available ? 'measured' : `unavailable: ${availability.reason}` };
    const figures: Figure[] = [];
    try {
      for (const { turns, runs } of plan) {
        options.log(`turn-floor: ${runs} runs of ${turns} turns per contender`);
        const contenders: Record<string, Contender> = {
          floor: probed(floorContender(floor), probe),
          cli: probed(cliContender(keel), probe),
          server: serverContender(server),
        };
        if (availability.available) {
          const loop = await createLangGraphLoop({
            databasePath: join(directory, `langgraph-${turns}.db`),
            turns,
            toolOutput: benchToolOutput,
            upstream: { baseURL: upstream.openaiBaseURL, model: 'fake-model', instructions },
          });
          langGraphLoops.push(loop);
          contenders.langGraph = langGraphContender(loop, turns);
        }
        const warmup = warmupRounds(turns, options.quick);
        details[`turns${turns}.warmupRuns`] = warmup;
        const perTurn = await race(contenders, turns, runs, warmup);
        const floorMs = perTurn.floor?.ms ?? Number.NaN;
        const cliMs = perTurn.cli?.ms ?? Number.NaN;
        const serverMs = perTurn.server?.ms ?? Number.NaN;
        const cpu = { floor: perTurn.floor?.cpuMs ?? Number.NaN, cli: perTurn.cli?.cpuMs ?? Number.NaN, server: perTurn.server?.cpuMs ?? Number.NaN };
        Object.assign(details, {
          [`turns${turns}.runs`]: runs,
          [`turns${turns}.floorMsPerTurn`]: floorMs,
          [`turns${turns}.cliMsPerTurn`]: cliMs,
          [`turns${turns}.serverMsPerTurn`]: serverMs,
          [`turns${turns}.cliOverheadMsPerTurn`]: cliMs - floorMs,
          [`turns${turns}.serverOverheadMsPerTurn`]: serverMs - floorMs,
          [`turns${turns}.floorCpuMsPerTurn`]: cpu.floor,
          [`turns${turns}.cliCpuMsPerTurn`]: cpu.cli,
          [`turns${turns}.serverCpuMsPerTurn`]: cpu.server,
          [`turns${turns}.cliOwnCpuMsPerTurn`]: cpu.cli - cpu.floor,
          [`turns${turns}.serverOwnCpuMsPerTurn`]: cpu.server - cpu.floor,
        });
        for (const name of ['floor', 'cli'] as const) {
          for (const [phase, value] of Object.entries(perTurn[name]?.phases ?? {})) details[`turns${turns}.phases.${name}.${phase}`] = value;
        }
        figures.push(
          compare({
            name: `${turns}-turn run: Keel CLI path against the floor`,
            baseline: { label: 'floor (bare node:http + stream + tool + node:sqlite)', value: floorMs, unit: 'ms/turn' },
            measured: { label: 'Keel, keel run path', value: cliMs, unit: 'ms/turn' },
            ratioOf: 'Keel / floor',
          }),
          overheadFigure(`${turns}-turn run: Keel's own work per turn, CLI path`, cliMs - floorMs, bars.cli),
          compare({
            name: `${turns}-turn run: Keel server path (POST /v1/runs + SSE) against the floor`,
            baseline: { label: 'floor (bare node:http + stream + tool + node:sqlite)', value: floorMs, unit: 'ms/turn' },
            measured: { label: 'Keel, server + SSE client', value: serverMs, unit: 'ms/turn' },
            ratioOf: 'Keel / floor',
          }),
          overheadFigure(`${turns}-turn run: Keel's own work per turn, server path`, serverMs - floorMs, bars.server),
          compare({
            name: `${turns}-turn run: CPU per turn, CLI path against the floor's`,
            baseline: { label: 'floor, this process', value: cpu.floor, unit: 'ms CPU/turn' },
            measured: { label: 'Keel, keel run path', value: cpu.cli, unit: 'ms CPU/turn' },
            ratioOf: 'Keel / floor',
          }),
          compare({
            name: `${turns}-turn run: CPU per turn, server path against the floor's`,
            baseline: { label: 'floor, this process', value: cpu.floor, unit: 'ms CPU/turn' },
            measured: { label: 'Keel server + SSE client', value: cpu.server, unit: 'ms CPU/turn' },
            ratioOf: 'Keel / floor',
          }),
        );
        const langGraphMs = perTurn.langGraph?.ms;
        if (langGraphMs !== undefined) {
          details[`turns${turns}.langGraphMsPerTurn`] = langGraphMs;
          figures.push(
            compare({
              name: `${turns}-turn run: LangGraph.js against Keel's CLI path`,
              baseline: { label: 'Keel, keel run path', value: cliMs, unit: 'ms/turn' },
              measured: { label: 'LangGraph (ChatOpenAI, SQLite checkpointer, sync)', value: langGraphMs, unit: 'ms/turn' },
              ratioOf: 'LangGraph / Keel',
              bar: { text: '>= 5x', min: 5 },
            }),
          );
        }
      }
      // Growth with run length: the longest run's per-turn time over the shortest's, per contender.
      const first = plan[0]?.turns ?? 0;
      const last = plan.at(-1)?.turns ?? 0;
      for (const name of ['floor', 'cli', 'server'] as const) {
        const short = details[`turns${first}.${name}MsPerTurn`];
        const long = details[`turns${last}.${name}MsPerTurn`];
        if (typeof short === 'number' && typeof long === 'number') details[`growth.${name}.${last}over${first}`] = long / short;
      }
      // Keel's own CPU per turn (its processes' CPU minus the bare loop's), longest run against shortest: must stay flat.
      for (const path of ['cli', 'server'] as const) {
        const short = details[`turns${first}.${path}OwnCpuMsPerTurn`];
        const long = details[`turns${last}.${path}OwnCpuMsPerTurn`];
        if (typeof short === 'number' && typeof long === 'number') details[`growth.${path}OwnCpu.${last}over${first}`] = long / short;
      }
      return { id, title, status: 'ok', figures, details };
    } finally {
      // Every part is closed even when another's close fails (a child process left behind would
      // outlive the bench); a failure is told, not thrown over the run's own outcome.
      const closing = await Promise.allSettled([
        (async () => probe.close())(),
        ...langGraphLoops.map(async (loop) => loop.close()),
        (async () => floor.close())(),
        keel.close(),
        server.close(),
        upstream.close(),
      ]);
      for (const result of closing) if (result.status === 'rejected') options.log(`turn-floor: a part failed to close: ${String(result.reason)}`);
    }
  });
}

export const turnFloor: BenchModule = { id, title, run };
