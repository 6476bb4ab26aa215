import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/keel.ts';
import { loadConfig } from '../../src/sdk/load-config.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { describePostgres, testDatabaseUrl } from '../../src/store/postgres/postgres-test-database.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { startFakeModelServer, type FakeModelRequest, type FakeModelServer, type FakeTurn } from '../../src/testing/index.ts';
import { fixtureConfig, repositoryRoot } from '../crash/worker-process.ts';

/**
 * Two reviewers, each in a process of its own, decide the same approval at the same moment: on
 * SQLite (one file) and on PostgreSQL (one schema), exactly one decision is accepted and the
 * other gets APPROVAL_ALREADY_DECIDED; the journal holds one decision.
 */
let server: FakeModelServer;
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  server = await startFakeModelServer({ responder: respond });
  process.env.OPENAI_API_KEY = 'test';
  process.env.OPENAI_BASE_URL = server.openaiBaseURL;
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await server.close();
});

function respond(request: FakeModelRequest): FakeTurn {
  if (!request.messages.some((message) => message.role === 'tool')) {
    return {
      toolCalls: [
        { name: 'slow_lookup', arguments: { account: 'acme' } },
        { name: 'charge', arguments: { amount: 120 } },
      ],
    };
  }
  return { text: 'done' };
}

async function parkOnApproval(store: Store): Promise<{ runId: string; approvalId: string }> {
  const { config } = await loadConfig({ cwd: repositoryRoot, path: fixtureConfig });
  const runtime = createRuntime({ config, store, logger: createSilentLogger(), approvalSweepMs: 0 });
  try {
    const run = await runtime.run({ agent: 'gated', input: 'Charge acme 120', userId: 'ana' });
    expect([run.status, run.waitingReason]).toEqual(['waiting', 'approval']);
    const [approval] = (await store.listApprovals('default', { status: 'pending' })).approvals;
    return { runId: run.id, approvalId: approval!.id };
  } finally {
    await runtime.close();
  }
}

/** Starts both reviewers, waits until both are ready, then lets them go at once. */
async function race(databaseUrl: string, approvalId: string, directory: string) {
  const reviewers = ['Rita', 'Sam'].map((name, index) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=keel-source',
        join(repositoryRoot, 'test/oversight/decide-process.ts'),
        fixtureConfig,
        approvalId,
        index === 0 ? 'approve' : 'reject',
        name,
      ],
      {
        cwd: repositoryRoot,
        env: { ...process.env, KEEL_DATABASE_URL: databaseUrl, KEEL_CRASH_DIR: directory, KEEL_LOG_LEVEL: 'silent' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { child, exited, output: () => output };
  });
  for (const reviewer of reviewers) {
    for (let waited = 0; !reviewer.output().includes('ready'); waited += 10) {
      if (waited > 10_000) throw new Error(`reviewer never got ready:\n${reviewer.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  for (const reviewer of reviewers) reviewer.child.stdin.write('go\n');
  await Promise.all(reviewers.map((reviewer) => reviewer.exited));
  return reviewers.map(
    (reviewer) =>
      JSON.parse(
        reviewer
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .at(-1) ?? '{}',
      ) as { ok: boolean; code?: string },
  );
}

function expectOneWinner(outcomes: Array<{ ok: boolean; code?: string }>): void {
  expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
  expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([{ ok: false, code: 'APPROVAL_ALREADY_DECIDED' }]);
}

describe('two reviewers at once on SQLite', () => {
  it('accept exactly one decision', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-approval-race-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const path = join(directory, 'keel.db');
    const store = createSqliteStore({ path });
    await store.migrate();
    cleanups.push(() => store.close());
    const { runId, approvalId } = await parkOnApproval(store);
    expectOneWinner(await race(`sqlite:${path}`, approvalId, directory));
    expect((await store.readJournal(runId)).filter((entry) => entry.type === 'approval-decision')).toHaveLength(1);
    expect((await store.getApproval('default', approvalId))?.status).not.toBe('pending');
  });
});

await describePostgres('two reviewers at once on PostgreSQL', (schemas) => {
  it('accept exactly one decision', async () => {
    const schema = await schemas.create();
    const store = createPostgresStore({ connectionString: testDatabaseUrl, schema });
    await store.migrate();
    cleanups.push(() => store.close());
    const directory = mkdtempSync(join(tmpdir(), 'keel-approval-race-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const url = `${testDatabaseUrl}${testDatabaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const { runId, approvalId } = await parkOnApproval(store);
    expectOneWinner(await race(url, approvalId, directory));
    expect((await store.readJournal(runId)).filter((entry) => entry.type === 'approval-decision')).toHaveLength(1);
  });
});
