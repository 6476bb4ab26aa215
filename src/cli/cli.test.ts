import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './cli.ts';
import type { CliIo } from './command.ts';
import { exitCodeForStatus } from './commands/run.ts';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keel-cli-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { KEEL_DATABASE_URL: `sqlite:${join(directory, 'keel.db')}`, ...env },
    cwd: directory,
    onSignal: () => () => undefined,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const commandLines = [['run'], ['worker'], ['runs'], ['runs', 'ls'], ['runs', 'show'], ['runs', 'cancel'], ['runs', 'resolve'], ['migrate']];

describe('keel CLI arguments', () => {
  it('prints help for every command with exit code 0', async () => {
    expect((await cli(['--help'])).stdout).toContain('Usage: keel <command>');
    for (const command of commandLines) {
      const result = await cli([...command, '--help']);
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout, command.join(' ')).toMatch(new RegExp(`^Usage: keel ${command.join(' ')}`));
    }
  });

  it('rejects an unknown option of every command with exit code 2 and a pointer to --help', async () => {
    for (const command of commandLines.filter((line) => line.join(' ') !== 'runs')) {
      const result = await cli([...command, '--frobnicate']);
      expect(result.code, command.join(' ')).toBe(2);
      expect(result.stderr).toBe(`error: unknown option --frobnicate for "keel ${command.join(' ')}"\nRun "keel ${command.join(' ')} --help" for usage.\n`);
    }
  });

  it('rejects a missing or unknown command, and missing arguments, with exit code 2', async () => {
    expect(await cli([])).toMatchObject({ code: 2, stderr: expect.stringContaining('missing command') as unknown });
    expect(await cli(['deploy'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "deploy"') as unknown });
    expect(await cli(['runs', 'purge'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "purge"') as unknown });
    expect(await cli(['run', 'support'])).toMatchObject({ code: 2, stderr: expect.stringContaining('missing INPUT') as unknown });
    expect(await cli(['runs', 'show'])).toMatchObject({ code: 2, stderr: expect.stringContaining('missing ID') as unknown });
    expect(await cli(['runs', 'resolve', 'run_1', '--rerun'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--call CALL_ID is required') as unknown,
    });
    expect(await cli(['runs', 'resolve', 'run_1', '--call', 'c', '--rerun', '--failed', 'x'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('exactly one of') as unknown,
    });
    expect(await cli(['runs', 'resolve', 'run_1', '--call', 'c', '--completed', '{oops'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('as JSON') as unknown,
    });
    expect(await cli(['runs', 'ls', '--limit', '0'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--limit must be a positive integer') as unknown,
    });
    expect(await cli(['runs', 'ls', '--status', 'done'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--status must be one of') as unknown });
    expect(await cli(['worker', '--concurrency', 'many'])).toMatchObject({ code: 2 });
    expect(await cli(['migrate', 'now'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unexpected argument "now"') as unknown });
  });
});

describe('keel CLI errors', () => {
  it('prints a KeelError as "error CODE: message" with exit code 1 and no stack trace', async () => {
    const result = await cli(['runs', 'show', 'run_missing']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'error RUN_NOT_FOUND: No run with id "run_missing"\n' });
  });

  it('adds the stack trace only with KEEL_DEBUG=1', async () => {
    const result = await cli(['runs', 'show', 'run_missing'], { KEEL_DEBUG: '1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error RUN_NOT_FOUND: No run with id "run_missing"\nKeelError: .*\n\s+at /);
  });

  it('reports a missing config with the file names it looked for', async () => {
    const result = await cli(['run', 'support', 'hello']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error CONFIG_NOT_FOUND: ');
    expect(result.stderr).toContain('keel.config.ts, keel.config.mts, keel.config.js, keel.config.mjs');
  });

  it('reports an unsupported database URL as a KeelError', async () => {
    const result = await cli(['migrate'], { KEEL_DATABASE_URL: 'mysql://db/keel' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error CONFIG_INVALID: /);
  });
});

describe('keel migrate and runs on an empty database', () => {
  it('migrates once, then reports the database up to date', async () => {
    expect(await cli(['migrate'])).toMatchObject({ code: 0, stdout: expect.stringContaining('migrations applied') as unknown });
    expect(await cli(['migrate'])).toMatchObject({ code: 0, stdout: expect.stringContaining('already up to date') as unknown });
  });

  it('lists no runs, as text and as JSON', async () => {
    expect(await cli(['runs', 'ls'])).toMatchObject({ code: 0, stdout: 'no runs\n' });
    const json = await cli(['runs', 'ls', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ runs: [] });
  });
});

describe('exitCodeForStatus', () => {
  it('maps run outcomes to exit codes', () => {
    expect(exitCodeForStatus('completed')).toBe(0);
    expect(exitCodeForStatus('failed')).toBe(1);
    expect(exitCodeForStatus('cancelled')).toBe(1);
    expect(exitCodeForStatus('waiting')).toBe(3);
    expect(exitCodeForStatus('running', true)).toBe(130);
  });
});

describe('KEEL_LEASE_MS', () => {
  it('rejects a value that is not a whole number of milliseconds', async () => {
    const sdk = pathToFileURL(join(import.meta.dirname, '..', 'sdk', 'define-config.ts')).href;
    await writeFile(join(directory, 'keel.config.mjs'), `import { defineConfig } from '${sdk}'; export default defineConfig({ agents: [] });`);
    const result = await cli(['worker', '--until-idle'], { KEEL_LEASE_MS: 'soon' });
    expect(result).toMatchObject({
      code: 1,
      stderr: 'error CONFIG_INVALID: KEEL_LEASE_MS must be a whole number of milliseconds, at least 100 (got "soon")\n',
    });
  });
});
