import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/journal/events.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createApp } from '../../src/server/app.ts';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createRuntime } from '../../src/keel.ts';
import { defineConfig } from '../../src/sdk/define-config.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { startFakeModelServer, type FakeModelRequest, type FakeModelServer, type FakeTurn } from '../../src/testing/index.ts';
import { spawnWorker } from '../crash/worker-process.ts';
import { readSse, seededRandom } from './sse-client.ts';

/**
 * Clients that disconnect at random points (between frames, after a number of frames, or
 * mid-frame on a timer) and reconnect with Last-Event-ID must together receive the journal
 * exactly once, in order — whether the run executes in the server's process or in a separate
 * `keel worker` process that shares only the database.
 */
const lookup = defineTool({
  name: 'lookup',
  description: 'Look an account up',
  input: z.object({ account: z.string() }),
  effect: 'read',
  execute: ({ account }) => ({ account, balance: 100 }),
});
const steps = 6;

/** Several tool steps, then a long answer streamed word by word: a journal of ~45 entries over a second or two. */
function respond(request: FakeModelRequest): FakeTurn {
  const done = request.messages.filter((message) => message.role === 'tool').length;
  if (done < steps) return { chunkDelayMs: 5, text: `Step ${done + 1}.`, toolCalls: [{ name: 'lookup', arguments: { account: `a${done}` } }] };
  return { chunkDelayMs: 15, text: Array.from({ length: 40 }, (_, index) => `word${index}`).join(' ') };
}

interface Setup {
  server: RunningServer;
  store: Store;
  key: string;
  close(): Promise<void>;
}

let setup: Setup | undefined;
let upstream: FakeModelServer | undefined;
let directory: string | undefined;
afterEach(async () => {
  await setup?.close();
  await upstream?.close();
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  [setup, upstream, directory] = [undefined, undefined, undefined];
});

async function serve(options: { executeHere: boolean; agent: string }): Promise<Setup> {
  directory = mkdtempSync(join(tmpdir(), 'keel-sse-'));
  upstream = await startFakeModelServer({ responder: respond });
  const store = createSqliteStore({ path: join(directory, 'keel.db') });
  await store.migrate();
  const config = defineConfig({
    agents: [defineAgent({ name: options.agent, model: 'openai:fake-model', instructions: 'Look things up.', tools: [lookup], limits: { maxSteps: 20 } })],
    providers: { openai: { baseURL: upstream.openaiBaseURL, apiKey: 'test' } },
  });
  const runtime = createRuntime({ config, store, logger: createSilentLogger(), leaseMs: 2_000 });
  const worker = options.executeHere ? runtime.startWorker({ pollIntervalMs: 20 }) : undefined;
  const server = await startServer({ app: createApp({ runtime, logger: createSilentLogger(), heartbeatMs: 50 }), port: 0 });
  const key = (await createApiKey(store, { tenantId: 'default', role: 'app' })).key;
  return {
    server,
    store,
    key,
    async close() {
      await server.close({ drainMs: 100 });
      await worker?.stop();
      await runtime.close();
      await store.close();
    },
  };
}

async function startRun(current: Setup, agent: string): Promise<string> {
  const response = await fetch(`${current.server.url}/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${current.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agent, input: 'Look up six accounts', userId: 'ana' }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

/** Follows a run's events, disconnecting at random, until the stream ends after `run-end`. */
async function followWithDisconnects(current: Setup, runId: string, seed: number): Promise<{ entries: JournalEntry[]; connections: number; comments: number }> {
  const random = seededRandom(seed);
  const entries: JournalEntry[] = [];
  let lastEventId: string | undefined;
  let comments = 0;
  for (let connections = 1; connections < 1_000; connections += 1) {
    const stopAfter = 1 + Math.floor(random() * 4);
    let seen = 0;
    const result = await readSse(`${current.server.url}/v1/runs/${runId}/events`, {
      headers: { authorization: `Bearer ${current.key}`, ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
      ...(random() < 0.3 ? { abortAfterMs: Math.floor(random() * 120) } : {}),
      onComment: () => (comments += 1),
      onEvent(event) {
        const entry = JSON.parse(event.data) as JournalEntry;
        expect([event.id, event.event]).toEqual([String(entry.seq), entry.type]);
        entries.push(entry);
        lastEventId = event.id;
        seen += 1;
        return seen >= stopAfter && random() < 0.7 ? 'stop' : 'continue';
      },
    });
    expect(result.status).toBe(200);
    if (result.ended) return { entries, connections, comments };
  }
  throw new Error('the stream never ended');
}

describe('SSE journal streams with random disconnects and Last-Event-ID', () => {
  it('deliver the journal exactly once to each of several readers of a run executing in this process', async () => {
    setup = await serve({ executeHere: true, agent: 'slow' });
    const runId = await startRun(setup, 'slow');
    const readers = await Promise.all([11, 22, 33].map((seed) => followWithDisconnects(setup!, runId, seed)));
    const journal = await setup.store.readJournal(runId);
    expect(journal.length).toBeGreaterThan(30);
    expect(journal.at(-1)).toMatchObject({ type: 'run-end', status: 'completed' });
    for (const reader of readers) {
      expect(reader.entries).toEqual(journal);
      expect(reader.connections).toBeGreaterThan(5);
    }

    // Reconnecting after the end gets an empty stream that ends at once.
    let frames = 0;
    const after = await readSse(`${setup.server.url}/v1/runs/${runId}/events`, {
      headers: { authorization: `Bearer ${setup.key}`, 'last-event-id': String(journal.at(-1)?.seq) },
      onEvent: () => ((frames += 1), 'continue'),
    });
    expect([after.ended, frames]).toEqual([true, 0]);
  });

  it('deliver the journal exactly once when a separate keel worker process executes the run', async () => {
    // The crash fixture's `slow` agent: the worker process loads it from test/crash/fixture.
    setup = await serve({ executeHere: false, agent: 'slow' });
    const runId = await startRun(setup, 'slow');
    const worker = spawnWorker({
      KEEL_DATABASE_URL: `sqlite:${join(directory ?? '', 'keel.db')}`,
      KEEL_CRASH_DIR: directory ?? '',
      OPENAI_API_KEY: 'test',
      OPENAI_BASE_URL: upstream?.openaiBaseURL ?? '',
    });
    const reader = await followWithDisconnects(setup, runId, 44);
    expect(await worker.exited, worker.output()).toBe(0);
    const journal = await setup.store.readJournal(runId);
    expect(journal.at(-1)).toMatchObject({ type: 'run-end', status: 'completed' });
    expect(reader.entries).toEqual(journal);
    expect(reader.connections).toBeGreaterThan(5);
  });

  it('sends heartbeat comments on an idle stream, with any number of readers', async () => {
    setup = await serve({ executeHere: false, agent: 'slow' });
    const runId = await startRun(setup, 'slow');
    const readers = await Promise.all(
      Array.from({ length: 5 }, async () => {
        let comments = 0;
        const events: string[] = [];
        await readSse(`${setup!.server.url}/v1/runs/${runId}/events`, {
          headers: { authorization: `Bearer ${setup!.key}` },
          abortAfterMs: 400,
          onComment: () => (comments += 1),
          onEvent: (event) => (events.push(event.event ?? ''), 'continue'),
        });
        return { comments, events };
      }),
    );
    for (const reader of readers) {
      expect(reader.events).toEqual(['run-start']);
      expect(reader.comments).toBeGreaterThanOrEqual(3);
    }
  });
});
