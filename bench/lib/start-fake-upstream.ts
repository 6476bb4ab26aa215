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

/** Starts `fake-upstream.ts` in a child process (same Node binary) and waits for its URL. */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  const script = new URL('./fake-upstream.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
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
