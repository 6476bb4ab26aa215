import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, expect, it } from 'vitest';

/**
 * `kill -9` of `keel dev` in the middle of a model call, then `keel dev` again in the same
 * directory: the restarted server takes back the run its previous life held and finishes it.
 * Leases last 60 s here, so a run that completes within the test was resumed by that takeover,
 * not by its lease expiring (the time it took is printed; `npm run bench -- --only=dev-restart`
 * measures it).
 */
const repository = join(import.meta.dirname, '..', '..');
const sdk = (file: string) => pathToFileURL(join(repository, 'src', 'sdk', file)).href;
const children: ChildProcess[] = [];
let directory: string | undefined;
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

// In its first life the model signals that it was called, then never answers.
const config = (marker: string) => `
import { existsSync, writeFileSync } from 'node:fs';
import { defineAgent } from '${sdk('define-agent.ts')}';
import { defineConfig } from '${sdk('define-config.ts')}';
const model = {
  provider: 'test',
  modelId: 'slow-first',
  async generate() {
    if (process.env.KEEL_TEST_HOLD === '1') {
      writeFileSync(${JSON.stringify(marker)}, 'called');
      await new Promise(() => {});
    }
    return { text: 'resumed', toolCalls: [], finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0 }, provider: 'test', modelId: 'slow-first' };
  },
};
export default defineConfig({ agents: [defineAgent({ name: 'slow', model, instructions: 'Answer.' })] });
`;

async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, output: () => string, timeoutMs = 20_000): Promise<T> {
  for (const started = Date.now(); ;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function startDev(cwd: string, hold: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', KEEL_LEASE_MS: '60000', KEEL_TEST_HOLD: hold ? '1' : '0' };
  for (const name of ['KEEL_DATABASE_URL', 'KEEL_PORT', 'KEEL_LOG_LEVEL']) delete env[name];
  const child = spawn(process.execPath, ['--conditions=keel-source', join(repository, 'src', 'cli', 'main.ts'), 'dev', '.', '--port', '0'], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited, output: () => output };
}

it('resumes the interrupted run as soon as keel dev restarts, without waiting for its lease', async () => {
  directory = await mkdtemp(join(tmpdir(), 'keel-dev-restart-'));
  const marker = join(directory, 'model-called');
  await writeFile(join(directory, 'keel.config.mjs'), config(marker));

  const first = startDev(directory, true);
  const [url, key] = await until(
    () => {
      const found = /Keel dev server (http:\/\/127\.0\.0\.1:\d+)[\s\S]*dev admin key (keel_\S+)/.exec(first.output());
      return found === null ? undefined : [found[1]!, found[2]!];
    },
    'the first banner',
    first.output,
  );
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const started = await fetch(`${url}/v1/runs`, { method: 'POST', headers, body: JSON.stringify({ agent: 'slow', input: 'hello', userId: 'dev' }) });
  const { id } = (await started.json()) as { id: string };
  await until(() => (existsSync(marker) ? true : undefined), 'the model call', first.output);
  first.child.kill('SIGKILL');
  await first.exited;

  const second = startDev(directory, false);
  const restartedAt = Date.now();
  const url2 = await until(() => /Keel dev server (http:\/\/127\.0\.0\.1:\d+)/.exec(second.output())?.[1], 'the second banner', second.output);
  const run = await until(
    async () => {
      const current = (await (await fetch(`${url2}/v1/runs/${id}`, { headers })).json()) as { status: string; output: unknown };
      return current.status === 'completed' ? current : undefined;
    },
    'the resumed run',
    second.output,
  );
  expect(run.output).toBe('resumed');
  const events = await (await fetch(`${url2}/v1/runs/${id}/events`, { headers })).text();
  // One answered model call: the one the restarted server made.
  expect(events.match(/event: model-response/g)).toHaveLength(1);
  console.info(`run resumed ${Date.now() - restartedAt} ms after keel dev was restarted (lease: 60 s)`);
}, 60_000);
