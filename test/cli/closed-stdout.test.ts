import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

/**
 * `keel … | head`: the reader of stdout goes away before the command is done writing. Real
 * processes and a real pipe, whose reading end is closed before the command writes anything:
 * every write then fails with EPIPE.
 */
const repository = join(import.meta.dirname, '..', '..');
const main = join(repository, 'src', 'cli', 'main.ts');
const exampleConfig = join(repository, 'examples', 'support', 'keel.config.ts');

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keel-closed-stdout-'));
  await mkdir(join(directory, '.keel'));
  // The default database of a command run in `directory`, with a run whose journal is long.
  const store = createSqliteStore({ path: join(directory, '.keel', 'keel.db') });
  await store.migrate();
  const now = new Date('2030-01-01T00:00:00.000Z');
  const { run } = await store.createRun({
    id: 'run-long',
    tenantId: 'default',
    agent: 'support',
    sessionId: 'ses-1',
    userId: 'ana',
    input: 'hi',
    sessionPolicy: 'queue',
    now,
  });
  const lease = await store.claimRun(run.id, { owner: 'setup', leaseMs: 60_000, now });
  if (lease === undefined) throw new Error('expected a lease');
  const deltas = Array.from({ length: 500 }, () => ({ type: 'text-delta' as const, step: 1, attempt: 1, text: 'line of streamed text\n' }));
  await store.append({ runId: run.id, epoch: lease.epoch, lastSeq: 1, now }, [...deltas, { type: 'run-end', status: 'completed', output: 'done' }], {
    status: 'completed',
    endedAt: now,
  });
  await store.releaseLease(run.id, lease.epoch);
  await store.close();
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function keelWithClosedStdout(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['OPENAI_API_KEY', 'KEEL_DATABASE_URL', 'KEEL_LOG_LEVEL', 'KEEL_DEBUG']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=keel-source', main, ...args], { cwd: directory, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

const noCrash = (stderr: string) => expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event|\n\s+at /);

describe('stdout closed early', () => {
  it.each([
    [['runs', 'show', 'run-long']],
    [['runs', 'ls']],
    [['runs', 'ls', '--json']],
    [['keys', 'ls']],
    [['migrate']],
    [['--help']],
    [['runs', 'show', '--help']],
    [['--version']],
  ])('keel %j exits 0 without a stack trace', async (args) => {
    const result = await keelWithClosedStdout(args);
    noCrash(result.stderr);
    expect(result).toMatchObject({ code: 0, signal: null });
  });

  it('keeps the exit status of a failing command, and still prints its error on stderr', async () => {
    const result = await keelWithClosedStdout(['runs', 'show', 'run-missing']);
    expect(result).toEqual({ code: 1, signal: null, stderr: 'error RUN_NOT_FOUND: No run with id "run-missing"\n' });
  });

  it('stops a worker gracefully once nobody reads what it prints, exit 0', async () => {
    const store = createSqliteStore({ path: join(directory, '.keel', 'keel.db') });
    const { run } = await store.createRun({
      id: 'run-for-worker',
      tenantId: 'default',
      agent: 'support',
      sessionId: 'ses-worker',
      userId: 'ana',
      input: 'Where is order 1001?',
      sessionPolicy: 'queue',
      now: new Date(),
    });
    await store.close();
    // Without --until-idle the worker would run forever: only the closed stdout can stop it.
    const result = await keelWithClosedStdout(['worker', '--config', exampleConfig]);
    noCrash(result.stderr);
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(result.stderr).toContain('stdout was closed: stopping as on SIGTERM\n');
    const after = createSqliteStore({ path: join(directory, '.keel', 'keel.db') });
    expect(await after.getRun('default', run.id)).toMatchObject({ status: 'completed' });
    expect(await after.countLiveLeases(new Date())).toBe(0);
    await after.close();
  }, 30_000);
});
