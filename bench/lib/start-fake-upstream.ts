import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

export interface FakeUpstream {
  /** `http://127.0.0.1:<port>/v1` */
  openaiBaseURL: string;
  close(): Promise<void>;
}

/**
 * Starts `fake-upstream.ts` in a child process (same Node binary) and waits for its URL.
 *
 * `KEEL_BENCH_UPSTREAM_CPU` (a CPU list, e.g. `1`) starts it under `taskset` on those CPUs only:
 * with the bench itself kept off them (`taskset -c 0 npm run bench`), the upstream's work never
 * shares a core with the contenders', as a provider's never does (bench/README, eleventh pass).
 */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  const script = new URL('./fake-upstream.ts', import.meta.url).pathname;
  const cpus = process.env.KEEL_BENCH_UPSTREAM_CPU;
  const [command, args] = cpus === undefined || cpus === '' ? [process.execPath, [script]] : ['taskset', ['--cpu-list', cpus, process.execPath, script]];
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([once(lines, 'line').then(([line]) => String(line)), once(child, 'exit').then(() => undefined)]);
  if (first === undefined) throw new Error(`the fake upstream exited before it started (code ${String(child.exitCode)})`);
  const { openaiBaseURL } = JSON.parse(first) as { openaiBaseURL: string };
  return {
    openaiBaseURL,
    async close() {
      lines.close();
      const gone = once(child, 'exit');
      child.stdin.end();
      await gone;
    },
  };
}

/** One bare request for an answer (no streaming) from the upstream, in ms. */
export async function upstreamRoundTripMs(upstream: FakeUpstream): Promise<number> {
  const body = JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'round trip: 0 turns' }] });
  const headers = { 'content-type': 'application/json' };
  const started = performance.now();
  // node:http on the global agent (keep-alive), as Keel's client and the turn floor send.
  await new Promise<void>((resolve, reject) => {
    const sent = request(
      `${upstream.openaiBaseURL}/chat/completions`,
      { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', resolve);
        response.on('error', reject);
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
  return performance.now() - started;
}
