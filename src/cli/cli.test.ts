import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

describe('usage errors', () => {
  /** The first line a usage error prints: `error: …` naming the flag or argument. */
  const usage = async (argv: string[]) => {
    const result = await cli(argv);
    return { code: result.code, first: result.stderr.split('\n', 1)[0], stdout: result.stdout };
  };

  it('names the flag and the value it got for a malformed number or port, exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['runs', 'ls', '--limit', '-5'], 'error: --limit must be a positive integer, got "-5"'],
      [['runs', 'ls', '--limit=-5'], 'error: --limit must be a positive integer, got "-5"'],
      [['runs', 'ls', '--limit', 'abc'], 'error: --limit must be a positive integer, got "abc"'],
      [['runs', 'ls', '--limit', '1e3'], 'error: --limit must be a positive integer, got "1e3"'],
      [['runs', 'ls', '--limit', ''], 'error: --limit needs a value, got an empty one'],
      [['worker', '--config', ' '], 'error: --config needs a value, got an empty one'],
      [['dev', ''], 'error: DIR is empty'],
      [['runs', 'show', ' '], 'error: ID is empty'],
      [['worker', '--concurrency', '-2'], 'error: --concurrency must be a positive integer, got "-2"'],
      [['dev', '--port', 'abc'], 'error: --port must be a port number, 0-65535, got "abc"'],
      [['dev', '--port', '-1'], 'error: --port must be a port number, 0-65535, got "-1"'],
      [['dev', '--port', '70000'], 'error: --port must be a port number, 0-65535, got "70000"'],
      [['runs', 'ls', '--cursor', 'junk'], 'error: --cursor takes the cursor a previous "keel runs ls" printed, got "junk"'],
    ];
    for (const [argv, message] of cases) expect(await usage(argv), argv.join(' ')).toEqual({ code: 2, first: message, stdout: '' });
  });

  it('names a flag given without its value, or with a value it does not take, exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['runs', 'ls', '--tenant'], 'error: --tenant needs a value'],
      [['runs', 'show', 'run_1', '--tenant'], 'error: --tenant needs a value'],
      [['runs', 'ls', '--tenant', '--json'], 'error: --tenant needs a value, got the option "--json" (write --tenant=--json to mean it as the value)'],
      [['runs', 'ls', '--limit'], 'error: --limit needs a value'],
      [['keys', 'create', '--role', 'app', '--tenant'], 'error: --tenant needs a value'],
      [['run', 'greeter', 'hi', '--user'], 'error: --user needs a value'],
      [['runs', 'ls', '--json=yes'], 'error: --json takes no value, got "yes"'],
    ];
    for (const [argv, message] of cases) expect(await usage(argv), argv.join(' ')).toEqual({ code: 2, first: message, stdout: '' });
  });

  it('names an unknown flag, long or short, and a missing or extra argument, exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['--frobnicate'], 'error: unknown option --frobnicate'],
      [['runs', 'ls', '-x'], 'error: unknown option -x for "keel runs ls"'],
      [['dev', '--frobnicate'], 'error: unknown option --frobnicate for "keel dev"'],
      [['keys', 'ls', '--all'], 'error: unknown option --all for "keel keys ls"'],
      [['run'], 'error: missing AGENT'],
      [['run', 'greeter'], 'error: missing INPUT'],
      [['runs', 'show'], 'error: missing ID'],
      [['runs', 'cancel'], 'error: missing ID'],
      [['runs', 'resolve', '--call', 'c', '--rerun'], 'error: missing ID'],
      [['keys', 'revoke'], 'error: missing ID'],
      [['runs', 'show', 'run_1', 'run_2'], 'error: unexpected argument "run_2"'],
      [['dev', 'examples', 'extra'], 'error: unexpected argument "extra"'],
      [['--version', 'now'], 'error: unexpected argument "now" after --version'],
    ];
    for (const [argv, message] of cases) expect(await usage(argv), argv.join(' ')).toEqual({ code: 2, first: message, stdout: '' });
  });
});

describe('keel --version', () => {
  it('prints the version in package.json, as --version and -v', async () => {
    const manifest = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
    expect(await cli(['-v'])).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
    expect((await cli(['--help'])).stdout).toContain('"keel --version" prints the version');
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
