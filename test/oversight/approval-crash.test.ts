import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRuntime } from '../../src/keel.ts';
import { loadConfig } from '../../src/sdk/load-config.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { startFakeModelServer, type FakeModelRequest, type FakeModelServer, type FakeTurn } from '../../src/testing/index.ts';
import { fixtureConfig, repositoryRoot, spawnWorker } from '../crash/worker-process.ts';

/**
 * kill -9 around an approval, with real `keel worker` processes on one SQLite file and the
 * reviewer in a process of its own: killed after a guardrail required approval but before the
 * run parked, the resumed run still waits and decides nothing twice; killed after the charge
 * took effect but before its result was journaled, the next worker reconciles it; the charge
 * happens exactly once after an approval, and never after a rejection.
 */
let server: FakeModelServer;
let directory: string;
let store: Store;
let databaseUrl: string;
const children: Array<{ kill(signal: NodeJS.Signals): boolean }> = [];

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'keel-approval-crash-'));
  server = await startFakeModelServer({ responder: respond });
  const path = join(directory, 'keel.db');
  databaseUrl = `sqlite:${path}`;
  store = createSqliteStore({ path });
  await store.migrate();
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await store.close();
  await server.close();
  rmSync(directory, { recursive: true, force: true });
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

const env = (toolSleepMs: number) => ({
  KEEL_DATABASE_URL: databaseUrl,
  KEEL_CRASH_DIR: directory,
  KEEL_CRASH_TOOL_SLEEP_MS: String(toolSleepMs),
  KEEL_LEASE_MS: '1000',
  OPENAI_API_KEY: 'test',
  OPENAI_BASE_URL: server.openaiBaseURL,
});

async function until(check: () => boolean | Promise<boolean>, what: string, output = () => ''): Promise<void> {
  for (const started = Date.now(); !(await check());) {
    if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function charges(runId: string): number {
  const file = join(directory, 'effects.jsonl');
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && (JSON.parse(line) as { runId: string }).runId === runId).length;
}

async function startRun(agent: string): Promise<string> {
  const { config } = await loadConfig({ cwd: repositoryRoot, path: fixtureConfig });
  const runtime = createRuntime({ config, store, logger: createSilentLogger(), env: {}, approvalSweepMs: 0 });
  const { run } = await runtime.startRun({ agent, input: 'Charge acme 120', userId: 'ana' });
  await runtime.close();
  return run.id;
}

/** A reviewer in another process. */
async function decide(approvalId: string, decision: 'approve' | 'reject'): Promise<{ ok: boolean; code?: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=keel-source', join(repositoryRoot, 'test/oversight/decide-process.ts'), fixtureConfig, approvalId, decision, 'Rita'],
    {
      cwd: repositoryRoot,
      env: { ...process.env, ...env(0) },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until(
    () => output.includes('ready'),
    'the reviewer',
    () => output,
  );
  child.stdin.write('go\n');
  await new Promise((resolve) => child.once('exit', resolve));
  return JSON.parse(
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .at(-1) ?? '{}',
  ) as { ok: boolean; code?: string };
}

const types = async (runId: string) => (await store.readJournal(runId)).map((entry) => entry.type);
const count = (list: string[], type: string) => list.filter((candidate) => candidate === type).length;

it('survives kill -9 between a require-approval verdict and the decision, and between the decision and the tool', async () => {
  const runId = await startRun('guarded');

  // A worker commits the verdict and the request, then is killed while the sibling lookup runs.
  const first = spawnWorker(env(5_000), []);
  children.push(first.child);
  await until(async () => (await store.listApprovals('default', { runId })).approvals.length === 1, 'the approval request', first.output);
  first.child.kill('SIGKILL');
  await first.exited;
  expect(await types(runId)).not.toContain('run-waiting');

  // The next worker resumes it: the lookup runs again, the charge still waits, nothing is decided twice.
  const second = spawnWorker(env(0));
  children.push(second.child);
  await second.exited;
  expect(await store.getRun('default', runId)).toMatchObject({ status: 'waiting', waitingReason: 'approval' });
  let journal = await types(runId);
  expect([count(journal, 'guardrail-decision'), count(journal, 'approval-request')]).toEqual([1, 1]);
  expect(charges(runId)).toBe(0);

  // Approved from another process; the worker that runs the charge is killed after it took effect.
  const [approval] = (await store.listApprovals('default', { runId })).approvals;
  expect(await decide(approval!.id, 'approve')).toMatchObject({ ok: true });
  const third = spawnWorker(env(5_000), []);
  children.push(third.child);
  await until(() => charges(runId) === 1, 'the charge', third.output);
  third.child.kill('SIGKILL');
  await third.exited;

  // The next worker reconciles the charge instead of repeating it, and the run completes.
  const fourth = spawnWorker(env(0));
  children.push(fourth.child);
  await fourth.exited;
  expect(await store.getRun('default', runId)).toMatchObject({ status: 'completed' });
  expect(charges(runId)).toBe(1);
  journal = await types(runId);
  expect([count(journal, 'approval-request'), count(journal, 'approval-decision')]).toEqual([1, 1]);
}, 90_000);

it('never runs a rejected call, with the worker killed while the run waits', async () => {
  const runId = await startRun('gated');
  const first = spawnWorker(env(0), []);
  children.push(first.child);
  await until(async () => (await store.getRun('default', runId))?.status === 'waiting', 'the run to wait', first.output);
  first.child.kill('SIGKILL');
  await first.exited;

  const [approval] = (await store.listApprovals('default', { runId })).approvals;
  expect(await decide(approval!.id, 'reject')).toMatchObject({ ok: true });
  const second = spawnWorker(env(0));
  children.push(second.child);
  await second.exited;
  expect(await store.getRun('default', runId)).toMatchObject({ status: 'completed' });
  expect(charges(runId)).toBe(0);
}, 60_000);
