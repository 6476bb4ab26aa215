import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * `keel dev` as a developer runs it: a separate process serving a config from a directory, a
 * dev admin key printed and kept under .keel/, and agents reloaded when a file next to the
 * config changes — including a module the config imports, not only the config itself.
 */
const repository = join(import.meta.dirname, '..', '..');
const sdk = (file: string) => pathToFileURL(join(repository, 'src', 'sdk', file)).href;

let directory: string;
let child: ChildProcess | undefined;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keel-dev-'));
  await mkdir(join(directory, 'agents'));
});
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await rm(directory, { recursive: true, force: true });
});

async function writeAgents(version: string): Promise<void> {
  await writeFile(join(directory, 'agents', 'reply.mjs'), `export const prefix = ${JSON.stringify(version)};\n`);
}

const config = `
import { defineAgent } from '${sdk('define-agent.ts')}';
import { defineConfig } from '${sdk('define-config.ts')}';
import { prefix } from './reply.mjs';
const echo = {
  provider: 'test',
  modelId: 'echo',
  async generate(request) {
    const user = request.messages.filter((message) => message.role === 'user').at(-1);
    return { text: prefix + ': ' + user.content, toolCalls: [], finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0 }, provider: 'test', modelId: 'echo' };
  },
};
export default defineConfig({ agents: [defineAgent({ name: 'echo', model: echo, instructions: 'Echo.' })] });
`;

async function until(check: () => boolean | Promise<boolean>, what: string, output: () => string): Promise<void> {
  for (const started = Date.now(); !(await check());) {
    if (Date.now() - started > 15_000) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('keel dev', () => {
  it('serves the agents of a directory with a dev admin key, and reloads them when a file changes', async () => {
    await writeFile(join(directory, 'agents', 'keel.config.mjs'), config);
    await writeAgents('v1');
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const name of ['KEEL_DATABASE_URL', 'KEEL_PORT', 'KEEL_LOG_LEVEL']) delete env[name];
    child = spawn(process.execPath, ['--conditions=keel-source', join(repository, 'src', 'cli', 'main.ts'), 'dev', 'agents', '--port', '0'], {
      cwd: directory,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const output = () => stdout + stderr;
    const exited = new Promise<number | string>((resolve) => child?.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));

    await until(() => /dev admin key keel_\S+/.test(stdout), 'the banner', output);
    const url = /Keel dev server (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] ?? '';
    const key = /dev admin key (keel_\S+)/.exec(stdout)?.[1] ?? '';
    expect(stdout).toContain('agents        echo (agents/keel.config.mjs, reloaded on change)');
    expect((await readFile(join(directory, '.keel', 'dev-admin-key'), 'utf8')).trim()).toBe(key);
    expect((await stat(join(directory, '.keel', 'dev-admin-key'))).mode & 0o777).toBe(0o600);
    await stat(join(directory, '.keel', 'keel.db'));

    const runOutput = async (input: string): Promise<unknown> => {
      const started = await fetch(`${url}/v1/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ agent: 'echo', input, userId: 'dev' }),
      });
      expect(started.status).toBe(202);
      const { id } = (await started.json()) as { id: string };
      let run: { status: string; output: unknown } = { status: 'queued', output: null };
      await until(
        async () => {
          run = (await (await fetch(`${url}/v1/runs/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as typeof run;
          return run.status === 'completed' || run.status === 'failed';
        },
        `run ${id}`,
        output,
      );
      return run.output;
    };

    expect(await runOutput('hi')).toBe('v1: hi');
    await writeAgents('v2');
    await until(() => stderr.includes('reloaded agents/keel.config.mjs (agents: echo)'), 'the reload', output);
    expect(await runOutput('hi again')).toBe('v2: hi again');

    child.kill('SIGTERM');
    expect(await exited, output()).toBe(0);
  });
});
