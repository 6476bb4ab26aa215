import { performance } from 'node:perf_hooks';
import { compare, type BenchModule, type BenchOptions, type BenchReport } from './lib/report.ts';
import { readEventsUntil } from './lib/read-events.ts';
import { startFakeUpstream } from './lib/start-fake-upstream.ts';
import { startKeelServer, type KeelServerProcess } from './lib/start-keel-server.ts';
import { median } from './lib/timing.ts';

/*
 * The HTTP front door under load. Keel's server runs in its own process (a worker included),
 * the fake model upstream in another, the clients here.
 *
 * - Load: concurrent clients each POST /v1/runs (a one-tool-call agent), then follow the run's
 *   SSE stream to `run-end`: throughput, POST latency, POST-to-run-end latency, error rate. The
 *   baseline is a bare node:http server in the same server process answering 202 at once.
 * - Memory: thousands of runs parked in `waiting` (a tenant budget of 0 stops each at its first
 *   model call), each with an open SSE stream; the server's memory after GC, before and after the
 *   streams are opened, divided by their number. Bar: <= 50 KB per waiting run with its stream.
 */

const sizes = { full: { clients: 32, durationMs: 10_000, streams: 2_000 }, quick: { clients: 4, durationMs: 800, streams: 100 } };
const kb = 1024;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function postRun(server: KeelServerProcess, base: string, userId: string, input: string, agent = 'bench'): Promise<{ status: number; id?: string }> {
  const response = await fetch(`${base}/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent, input, userId }),
  });
  const body = (await response.json()) as { id?: string };
  return { status: response.status, ...(body.id === undefined ? {} : { id: body.id }) };
}

/** Clients posting back to back for `durationMs`; with `follow`, each also streams its run to the end. */
async function load(server: KeelServerProcess, base: string, clients: number, durationMs: number, follow: boolean) {
  const posts: number[] = [];
  const runs: number[] = [];
  let errors = 0;
  const deadline = performance.now() + durationMs;
  const headers = { authorization: `Bearer ${server.key}` };
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < deadline) {
        const started = performance.now();
        try {
          const { status, id } = await postRun(server, base, `user-${client}`, 'Look one record up: 1 turns');
          posts.push(performance.now() - started);
          if (status !== 202 || id === undefined) throw new Error(`POST answered ${status}`);
          if (!follow) continue;
          const end = await readEventsUntil(`${base}/v1/runs/${id}/events`, headers, new Set(['run-end']));
          if (end.data.status !== 'completed') throw new Error(`run ${id} ended ${String(end.data.status)}`);
          runs.push(performance.now() - started);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  return { posts, runs, errors };
}

/**
 * Parks `streams` runs — on a zero budget (the `bench` agent) or on an approval (the `gated`
 * agent, whose tool always needs one) — and opens an SSE stream on each.
 */
async function waitingRunsWithStreams(server: KeelServerProcess, streams: number, log: (line: string) => void, parkOn: 'budget' | 'approval') {
  if (parkOn === 'budget') {
    const budget = await fetch(`${server.url}/v1/budgets/tenant/default`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ limitUsd: 0, period: 'total' }),
    });
    if (budget.status !== 200) throw new Error(`setting a zero budget answered ${budget.status}`);
  }
  const waitingBefore = await countRuns(server, 'waiting');
  const ids: string[] = [];
  for (let start = 0; start < streams; start += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, streams - start) }, (_, index) =>
        postRun(server, server.url, `parked-${parkOn}-${start + index}`, 'Park here: 1 turns', parkOn === 'budget' ? 'bench' : 'gated'),
      ),
    );
    for (const { id } of batch) if (id !== undefined) ids.push(id);
  }
  log(`  ${ids.length} runs posted; waiting for them to park on ${parkOn === 'budget' ? 'a zero budget' : 'an approval'}`);
  const headers = { authorization: `Bearer ${server.key}` };
  for (let waited = 0; (await countRuns(server, 'waiting')) < waitingBefore + ids.length; waited += 200) {
    if (waited > 120_000) throw new Error('the runs did not all park in waiting');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // Measured once every run is parked, so the figure holds the streams' cost and nothing else.
  const before = await server.memory();
  const controller = new AbortController();
  const reasons = new Map<string, number>();
  // Opening each stream and reading up to `run-waiting` also proves every run really parked.
  for (let start = 0; start < ids.length; start += 100) {
    const parked = await Promise.all(
      ids
        .slice(start, start + 100)
        .map((id) =>
          readEventsUntil(`${server.url}/v1/runs/${id}/events`, headers, new Set(['run-waiting', 'run-end']), { signal: controller.signal, hold: true }),
        ),
    );
    for (const { event, data } of parked) {
      const key = event === 'run-waiting' ? String(data.reason) : `ended ${String(data.status)}`;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const after = await server.memory();
  // What holding the idle streams costs: each follows its run's journal by polling the store.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idleCpuPercent = ((await server.memory()).cpuMicros - after.cpuMicros) / 2_000 / 10;
  return { controller, reasons, count: ids.length, before, after, idleCpuPercent };
}

/** Memory the open streams added, per stream, from the server's figures before and after. */
function perStreamMemory(parked: Awaited<ReturnType<typeof waitingRunsWithStreams>>) {
  const { before, after } = parked;
  parked.controller.abort();
  const rssPerStream = (after.rss - before.rss) / parked.count / kb;
  const heapPerStream = (after.heapUsed + after.external - before.heapUsed - before.external) / parked.count / kb;
  // RSS alone can shrink while streams open (the allocator returns memory freed since the load
  // phase), so the figure takes the larger of it and the JavaScript heap plus external buffers.
  return { rssPerStream, heapPerStream, perStream: Math.max(rssPerStream, heapPerStream) };
}

async function countRuns(server: KeelServerProcess, status: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const query: string = `status=${status}&limit=200${cursor === null ? '' : `&cursor=${cursor}`}`;
    const response = await fetch(`${server.url}/v1/runs?${query}`, { headers: { authorization: `Bearer ${server.key}` } });
    const page = (await response.json()) as { data: unknown[]; nextCursor: string | null };
    count += page.data.length;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return count;
}

async function run(options: BenchOptions): Promise<BenchReport> {
  const size = options.quick ? sizes.quick : sizes.full;
  const upstream = await startFakeUpstream();
  const server = await startKeelServer(upstream.openaiBaseURL);
  try {
    options.log(`server-load: warm-up, then ${size.clients} clients for ${size.durationMs} ms against a bare HTTP server and against Keel`);
    await load(server, server.url, 2, 300, true);
    const bare = await load(server, server.bareUrl, size.clients, size.durationMs, false);
    const keel = await load(server, server.url, size.clients, size.durationMs, true);
    const total = keel.runs.length + keel.errors;

    options.log(`server-load: ${size.streams} runs waiting for an approval, with an open SSE stream each`);
    const gated = perStreamMemory(await waitingRunsWithStreams(server, size.streams, options.log, 'approval'));
    options.log(`server-load: ${size.streams} waiting runs with an open SSE stream each`);
    const parked = await waitingRunsWithStreams(server, size.streams, options.log, 'budget');
    const { rssPerStream, heapPerStream, perStream } = perStreamMemory(parked);

    return {
      id: 'server-load',
      title: 'HTTP API: POST /v1/runs + SSE under load, memory per waiting run with an open stream',
      status: 'ok',
      figures: [
        compare({
          name: 'POST /v1/runs latency, p50',
          baseline: { label: 'bare node:http 202', value: median(bare.posts), unit: 'ms' },
          measured: { label: 'Keel POST /v1/runs', value: median(keel.posts), unit: 'ms' },
          ratioOf: 'Keel / bare HTTP',
        }),
        compare({
          name: 'memory per waiting run with an open SSE stream (server, after GC)',
          baseline: { label: 'bar', value: 50, unit: 'KB' },
          measured: { label: `${parked.count} streams`, value: perStream, unit: 'KB' },
          ratioOf: 'measured / 50 KB bar',
          bar: { text: '<= 50 KB per waiting run with its stream', max: 1 },
        }),
        compare({
          name: 'memory per run waiting for an approval, with an open SSE stream (server, after GC)',
          baseline: { label: 'bar', value: 50, unit: 'KB' },
          measured: { label: `${size.streams} streams`, value: gated.perStream, unit: 'KB' },
          ratioOf: 'measured / 50 KB bar',
          bar: { text: '<= 50 KB per waiting run with its stream', max: 1 },
        }),
      ],
      details: {
        clients: size.clients,
        durationMs: size.durationMs,
        runsPerSecond: Math.round((keel.runs.length / size.durationMs) * 1000 * 10) / 10,
        runsCompleted: keel.runs.length,
        errorRate: total === 0 ? 0 : keel.errors / total,
        postP50Ms: median(keel.posts),
        postP99Ms: percentile(keel.posts, 99),
        runP50Ms: keel.runs.length === 0 ? Number.NaN : median(keel.runs),
        runP99Ms: percentile(keel.runs, 99),
        bareP50Ms: median(bare.posts),
        bareP99Ms: percentile(bare.posts, 99),
        bareRequestsPerSecond: Math.round((bare.posts.length / size.durationMs) * 1000),
        streams: parked.count,
        waitingReasons: [...parked.reasons].map(([reason, count]) => `${reason}: ${count}`).join(', '),
        heapPlusExternalKbPerStream: Math.round(heapPerStream * 10) / 10,
        rssKbPerStream: Math.round(rssPerStream * 10) / 10,
        serverCpuPercentHoldingStreams: Math.round(parked.idleCpuPercent * 10) / 10,
      },
    };
  } finally {
    await server.close();
    await upstream.close();
  }
}

export const serverLoad: BenchModule = { id: 'server-load', title: 'HTTP API under load', run };
