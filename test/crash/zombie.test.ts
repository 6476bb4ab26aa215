import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { foldJournal } from '../../src/engine/fold.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { startFakeModelServer, type FakeModelRequest, type FakeTurn } from '../../src/testing/index.ts';
import { spawnWorker, type WorkerProcess } from './worker-process.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

it('a worker paused past its lease cannot write after another took the run over: one outcome', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'keel-zombie-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  let zombie: WorkerProcess | undefined;
  let firstRequest = true;
  // The first model request comes from the worker that will be frozen: freeze it while the call is
  // in flight, and answer only after the other worker has finished the run.
  let release!: () => void;
  const taken = new Promise<void>((resolve) => (release = resolve));
  const server = await startFakeModelServer({
    responder: async (request: FakeModelRequest): Promise<FakeTurn> => {
      if (firstRequest) {
        firstRequest = false;
        zombie?.child.kill('SIGSTOP');
        await taken;
        return { toolCalls: [{ name: 'lookup', arguments: { account: 'from-the-zombie' } }] };
      }
      const answered = request.messages.some((message) => message.role === 'tool');
      return answered ? { text: 'Finished by the second worker.' } : { toolCalls: [{ name: 'lookup', arguments: { account: 'acme' } }] };
    },
  });
  cleanups.push(() => server.close());
  const store = createSqliteStore({ path: join(directory, 'keel.db') });
  await store.migrate();
  cleanups.push(() => store.close());
  await store.createRun({
    id: 'run_zombie',
    tenantId: 'default',
    agent: 'slow',
    sessionId: 's',
    userId: 'u',
    input: 'go',
    sessionPolicy: 'queue',
    now: new Date(),
  });
  const env = {
    KEEL_DATABASE_URL: `sqlite:${join(directory, 'keel.db')}`,
    KEEL_CRASH_DIR: directory,
    KEEL_LEASE_MS: '300',
    KEEL_LOG_LEVEL: 'warn',
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: server.openaiBaseURL,
  };

  zombie = spawnWorker(env);
  cleanups.push(() => void zombie?.child.kill('SIGKILL'));
  while (firstRequest) await sleep(10);
  const entriesWhenFrozen = (await store.readJournal('run_zombie')).length;
  await sleep(600); // well past the 300 ms lease

  const successor = spawnWorker(env);
  expect(await successor.exited, successor.output()).toBe(0);
  const finished = await store.getRun('default', 'run_zombie');
  expect(finished?.status).toBe('completed');
  const journalBefore = await store.readJournal('run_zombie');

  // Wake the zombie and hand it its late model answer: whatever it tries to write is fenced off.
  zombie.child.kill('SIGCONT');
  release();
  expect(await zombie.exited, zombie.output()).toBe(0);
  expect(zombie.output()).toContain('lease lost');

  const journal = await store.readJournal('run_zombie');
  expect(journal).toEqual(journalBefore);
  expect(journal.filter((entry) => entry.type === 'run-end')).toHaveLength(1);
  expect(JSON.stringify(journal)).not.toContain('from-the-zombie');
  expect(foldJournal(journal).end?.status).toBe('completed');
  expect(entriesWhenFrozen).toBe(1);
  expect((await store.getRun('default', 'run_zombie'))?.output).toBe('Finished by the second worker.');
}, 60_000);
