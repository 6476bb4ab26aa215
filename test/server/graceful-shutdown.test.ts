import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { startFakeModelServer, type FakeModelRequest, type FakeModelServer, type FakeTurn } from '../../src/testing/index.ts';
import { fixtureConfig, repositoryRoot } from '../crash/worker-process.ts';

/**
 * `keel start` as an operator runs it: a child process serving the API on a free port. Clients
 * keep posting runs while it gets SIGTERM; it must exit 0 after draining, and once it is
 * started again every run it answered 202 to must complete.
 */
let directory: string;
let upstream: FakeModelServer;
let store: Store;
let key: string;
const children: ChildProcess[] = [];

/**
 * Model calls slow enough that the worker (8 runs at once, two calls each: about 10 runs a
 * second) falls behind four clients posting back to back, so runs queue up behind it; the test
 * sends SIGTERM only once some are queued (read from the store), so the restart always has runs
 * that were never begun to take over. Counting acknowledgements alone was not enough: on a
 * loaded machine the clients post more slowly, the worker keeps up, and the drain at SIGTERM
 * finishes every run it had begun, leaving nothing for the restart.
 */
function respond(request: FakeModelRequest): FakeTurn {
  const done = request.messages.some((message) => message.role === 'tool');
  return done ? { delayMs: 400, text: 'Balance is 100.' } : { delayMs: 400, toolCalls: [{ name: 'lookup', arguments: { account: 'acme' } }] };
}

/** How many of `ids` are still queued: acknowledged, not yet claimed by a worker. */
async function queuedOf(ids: readonly string[]): Promise<number> {
  return (await Promise.all(ids.map((id) => store.getRun('default', id)))).filter((run) => run?.status === 'queued').length;
}

/** Starts `keel start` and resolves with its URL once it logs that it is listening. */
async function startKeel(): Promise<{ child: ChildProcess; url: string; exited: Promise<number | string>; output(): string }> {
  const child = spawn(process.execPath, ['--conditions=keel-source', 'src/cli/main.ts', 'start', '--config', fixtureConfig], {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      KEEL_DATABASE_URL: `sqlite:${join(directory, 'keel.db')}`,
      KEEL_PORT: '0',
      KEEL_HOST: '127.0.0.1',
      KEEL_LOG_LEVEL: 'info',
      KEEL_LEASE_MS: '1000',
      KEEL_CRASH_DIR: directory,
      OPENAI_API_KEY: 'test',
      OPENAI_BASE_URL: upstream.openaiBaseURL,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        const record = JSON.parse(line) as { msg?: string; url?: string };
        if (record.msg === 'listening' && record.url !== undefined) resolve(record.url);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`keel start exited (${code}) before listening:\n${output}`)));
  });
  return { child, url, exited, output: () => output };
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'keel-shutdown-'));
  upstream = await startFakeModelServer({ responder: respond });
  store = createSqliteStore({ path: join(directory, 'keel.db') });
  await store.migrate();
  key = (await createApiKey(store, { tenantId: 'default', role: 'app' })).key;
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await store.close();
  await upstream.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('keel start: graceful shutdown under load', () => {
  it('loses no acknowledged run', async () => {
    const first = await startKeel();
    const acknowledged: string[] = [];
    const failures: string[] = [];
    let stopping = false;
    let signalled = false;

    // Four clients post runs back to back until the server stops answering.
    const client = async (index: number) => {
      for (let attempt = 0; !stopping; attempt += 1) {
        try {
          const response = await fetch(`${first.url}/v1/runs`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ agent: 'slow', input: `Look up acme (${index}/${attempt})`, userId: `user-${index}` }),
          });
          const body = (await response.json()) as { id?: string; error?: { code: string } };
          if (response.status === 202 && body.id !== undefined) acknowledged.push(body.id);
          else failures.push(`${response.status} ${body.error?.code ?? ''}`);
        } catch {
          // Refused or reset once the server stops accepting: never acknowledged, so never owed.
          if (signalled) return;
          failures.push('network error before shutdown');
        }
      }
    };
    const clients = Promise.all([0, 1, 2, 3].map(client));
    // SIGTERM once the server is busy: runs queued behind the worker, executing and requests in flight.
    for (let waited = 0; (acknowledged.length < 30 || (await queuedOf(acknowledged)) < 8) && waited < 20_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const before = acknowledged.length;
    signalled = true;
    first.child.kill('SIGTERM');
    const code = await first.exited;
    stopping = true;
    await clients;

    expect(code, first.output()).toBe(0);
    expect(first.output()).toContain('shut down');
    expect(before).toBeGreaterThanOrEqual(30);
    // Answers other than 202 may only say the process is going away.
    expect(failures.filter((failure) => !failure.startsWith('503'))).toEqual([]);
    const afterShutdown = await Promise.all(acknowledged.map((id) => store.getRun('default', id)));
    expect(afterShutdown.every((run) => run !== undefined)).toBe(true);
    // Some were still queued or mid-way: the restart below has real work to take over.
    expect(afterShutdown.filter((run) => run?.status !== 'completed').length).toBeGreaterThan(0);

    // Started again, it finishes every acknowledged run, interrupted or never begun.
    const second = await startKeel();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const runs = await Promise.all(acknowledged.map((id) => store.getRun('default', id)));
      if (runs.every((run) => run?.status === 'completed')) break;
      if (Date.now() > deadline)
        throw new Error(
          `runs still unfinished: ${runs
            .filter((run) => run?.status !== 'completed')
            .map((run) => `${run?.id} ${run?.status}`)
            .join(', ')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output()).toBe(0);
  });
});
