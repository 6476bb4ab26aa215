/**
 * Keel's API server in its own process, for the turn-floor bench: a temporary SQLite store, the
 * bench agent (one `read_record` tool, see keel-agent.ts) on the `openai-compatible` provider
 * pointed at the fake upstream, a worker in the same process, and the API on a free port, as
 * `keel start` runs it. Prints one JSON line with its URL and an admin key; answers `cpu` lines on
 * stdin with its CPU time so far; exits when stdin closes.
 *
 * Usage: node --conditions=keel-source bench/lib/agent-server-process.ts <upstream-openai-base-url> <max-turns>
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createRuntime } from '../../src/keel.ts';
import { defineConfig } from '../../src/sdk/define-config.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createApp } from '../../src/server/app.ts';
import { startServer } from '../../src/server/start-server.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { benchAgent, benchToolOutput } from './keel-agent.ts';

const [upstream, maxTurns] = process.argv.slice(2);
if (upstream === undefined || maxTurns === undefined) throw new Error('usage: agent-server-process.ts <upstream-openai-base-url> <max-turns>');

const config = defineConfig({
  agents: [benchAgent({ model: 'openai-compatible:fake-model', turns: Number(maxTurns), toolOutput: benchToolOutput })],
  providers: { openaiCompatible: { baseURL: upstream, apiKey: 'bench' } },
});
const directory = mkdtempSync(join(tmpdir(), 'keel-turn-server-'));
const store = createSqliteStore({ path: join(directory, 'keel.db') });
await store.migrate();
const logger = createSilentLogger();
const runtime = createRuntime({ config, store, logger });
const worker = runtime.startWorker({ concurrency: 8 });
const app = createApp({ runtime, logger });
const server = await startServer({ app, port: 0 });
const { key } = await createApiKey(store, { tenantId: 'default', role: 'admin' });
process.stdout.write(`${JSON.stringify({ url: server.url, key })}\n`);

// A `cpu` line on stdin is answered with this process's CPU time so far (µs, user + system).
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'cpu') return;
  const used = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuMicros: used.user + used.system })}\n`);
});
lines.on('close', () => {
  void (async () => {
    await server.close({ drainMs: 200 });
    await worker.stop();
    await runtime.close();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  })();
});
