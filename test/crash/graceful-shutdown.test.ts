import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { startFakeModelServer, type FakeModelRequest, type FakeTurn } from '../../src/testing/index.ts';
import { spawnWorker } from './worker-process.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function respond(request: FakeModelRequest): FakeTurn {
  const turns = request.messages.filter((message) => message.role === 'assistant' && (message.toolCalls?.length ?? 0) > 0).length;
  if (turns === 0) return { toolCalls: [{ name: 'charge', arguments: { amount: 5 } }] };
  return { text: 'Charged 5.' };
}

it('SIGTERM lets the unsafe call in flight finish and be journaled, then releases the lease for an immediate takeover', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'keel-sigterm-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const server = await startFakeModelServer({ responder: respond });
  cleanups.push(() => server.close());
  const store = createSqliteStore({ path: join(directory, 'keel.db') });
  await store.migrate();
  cleanups.push(() => store.close());
  await store.createRun({
    id: 'run_term',
    tenantId: 'default',
    agent: 'billing',
    sessionId: 's',
    userId: 'u',
    input: 'charge',
    sessionPolicy: 'queue',
    now: new Date(),
  });
  const env = {
    KEEL_DATABASE_URL: `sqlite:${join(directory, 'keel.db')}`,
    KEEL_CRASH_DIR: directory,
    KEEL_CRASH_TOOL_SLEEP_MS: '700',
    // A long lease: the successor can only start at once if the lease was released, not expired.
    KEEL_LEASE_MS: '60000',
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: server.openaiBaseURL,
  };
  const effectsFile = join(directory, 'effects.jsonl');

  const worker = spawnWorker(env, []);
  cleanups.push(() => void worker.child.kill('SIGKILL'));
  while (!existsSync(effectsFile)) await sleep(5);
  worker.child.kill('SIGTERM');
  expect(await worker.exited, worker.output()).toBe(0);

  const journal = await store.readJournal('run_term');
  expect(journal.map((entry) => entry.type).slice(-2)).toEqual(['tool-start', 'tool-result']);
  expect(await store.countLiveLeases(new Date())).toBe(0);

  const successor = spawnWorker(env);
  expect(await successor.exited, successor.output()).toBe(0);
  expect((await store.getRun('default', 'run_term'))?.output).toBe('Charged 5.');
  expect(readFileSync(effectsFile, 'utf8').trim().split('\n')).toHaveLength(1);
}, 60_000);
