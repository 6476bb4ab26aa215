/**
 * Keel's API server in its own process, for the server-load bench: a temporary SQLite store, the
 * `bench` agent (one `lookup` tool) on the OpenAI provider pointed at the fake upstream, a worker,
 * and the API on a free port — plus a bare node:http server answering 202 at once, the floor an
 * HTTP round trip costs on this machine. Prints one JSON line with both URLs and an admin key.
 * On a `memory` line on stdin it collects garbage and prints `process.memoryUsage()` and the CPU
 * time used so far (`cpuMicros`); it exits
 * when stdin closes.
 *
 * Usage: node --expose-gc bench/lib/keel-server-process.ts <upstream-openai-base-url>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { createRuntime } from '../../src/keel.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineConfig } from '../../src/sdk/define-config.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createApp } from '../../src/server/app.ts';
import { startServer } from '../../src/server/start-server.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';

const upstream = process.argv[2];
if (upstream === undefined) throw new Error('usage: keel-server-process.ts <upstream-openai-base-url>');

function lookupOptions() {
  return {
    name: 'lookup',
    description: 'Look a record up',
    input: z.object({ id: z.number() }),
    effect: 'read' as const,
    execute: ({ id }: { id: number }) => ({ id, ok: true }),
  };
}
const lookup = defineTool(lookupOptions());
// The same tool, always waiting for a person: runs of `gated` park on an approval.
const gatedLookup = defineTool({ ...lookupOptions(), approval: 'always' });
const config = defineConfig({
  agents: [
    defineAgent({ name: 'bench', model: 'openai:gpt-4o-mini', instructions: 'Look records up.', tools: [lookup] }),
    defineAgent({ name: 'gated', model: 'openai:gpt-4o-mini', instructions: 'Look records up.', tools: [gatedLookup] }),
  ],
  providers: { openai: { baseURL: upstream, apiKey: 'bench' } },
});

const directory = mkdtempSync(join(tmpdir(), 'keel-server-bench-'));
const store = createSqliteStore({ path: join(directory, 'keel.db') });
await store.migrate();
const logger = createSilentLogger();
const runtime = createRuntime({ config, store, logger });
const worker = runtime.startWorker({ concurrency: 32 });
// Shedding is measured elsewhere; here it would cut the thousands of streams the bench opens on purpose.
const app = createApp({ runtime, logger, loadShedding: false, rateLimiter: false });
const server = await startServer({ app, port: 0 });
const { key } = await createApiKey(store, { tenantId: 'default', role: 'admin' });

const bare = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(202, { 'content-type': 'application/json' });
    response.end('{"id":"run_bare","sessionId":"ses_bare","status":"queued"}');
  });
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));

process.stdout.write(`${JSON.stringify({ url: server.url, bareUrl: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`, key })}\n`);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'memory') return;
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  collect?.();
  process.stdout.write(`${JSON.stringify({ ...process.memoryUsage(), cpuMicros: process.cpuUsage().user + process.cpuUsage().system })}\n`);
});
lines.on('close', () => {
  void (async () => {
    bare.close();
    await server.close({ drainMs: 200 });
    await worker.stop();
    await runtime.close();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  })();
});
