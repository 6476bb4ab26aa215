import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalUnsafe } from '../cli/hostile-text.ts';
import { createInProcessCli, type InProcessCli } from '../cli/in-process-cli.ts';
import { badInAnyText, hostileStrings, seededRandom, type HostileClass, type HostileValue } from './hostile-values.ts';
import { openStoreSnapshot } from './store-snapshot.ts';

/**
 * Every CLI command that takes a string, found in the CLI's own help (`keel --help`, then each
 * command's and subcommand's usage line and options), gets hostile values in each positional
 * argument and each option that takes a value, one at a time with the rest valid, in this
 * process: lone surrogates, noncharacters, controls, bidi overrides, escape sequences, invisible
 * characters, U+FFFD, path traversal, blank values, 1 MiB, another tenant's run id. Each must end
 * (exit 1 or 2, or 0), print nothing a terminal would act on and no stack trace, and leave the
 * store's SQLite file exactly as it was. A command that keeps running (a server or worker that
 * started on a bad argument) is a finding too. Free text (a run's INPUT, a --failed MESSAGE)
 * accepts any well-formed Unicode, and a file path may climb (`..`): there those values are not
 * hostile. The values are drawn from a seed (KEEL_FUZZ_SEED replays another).
 */
const seed = Number(process.env.KEEL_FUZZ_SEED ?? 20_260_301);
const foreignMarker = 'FOREIGN-TENANT-SECRET-5b1e';

interface Site {
  /** `AGENT` for a positional, `--session` for an option. */
  name: string;
  placeholder: string;
  positional: boolean;
}

interface Leaf {
  path: string[];
  /** Required positionals in order, then the optional ones. */
  positionals: Array<{ placeholder: string; required: boolean }>;
  /** Options that take a value, and whether the usage line requires them. */
  options: Array<{ flag: string; placeholder: string; required: boolean }>;
}

let cli: InProcessCli;
let own: { run: string; session: string; key: string; cursor: string };
let foreignRun: string;
let leaves: Leaf[];

beforeAll(async () => {
  cli = await createInProcessCli();
  await cli.writeConfig(
    `[defineAgent({ name: 'greeter', instructions: 'Greet.', model: scriptedModel([{ text: 'Hello!' }, { text: 'Hi!' }, { text: 'Hello again!' }]) })]`,
  );
  const store = await cli.store();
  for (const input of ['hi', 'hello']) expect((await cli.keel(['run', 'greeter', input, '--user', 'ana'])).code).toBe(0);
  const [run] = (await store.listRuns({ tenantId: 'default' })).runs;
  const created = JSON.parse((await cli.keel(['keys', 'create', '--tenant', 'default', '--role', 'viewer', '--name', 'fuzz', '--json'])).stdout) as {
    id: string;
  };
  const { nextCursor } = JSON.parse((await cli.keel(['runs', 'ls', '--limit', '1', '--json'])).stdout) as { nextCursor: string };
  own = { run: run?.id ?? '', session: run?.sessionId ?? '', key: created.id, cursor: nextCursor };
  const now = new Date();
  foreignRun = (
    await store.createRun({
      id: 'run_foreign_1',
      tenantId: 'globex',
      agent: 'greeter',
      sessionId: 'ses_foreign',
      userId: 'ana',
      input: foreignMarker,
      sessionPolicy: 'queue',
      now,
    })
  ).run.id;
  leaves = await commandsFromHelp();
});

afterAll(async () => {
  await cli.close();
});

// ---------------------------------------------------------------------------------------------
// The commands, from the help the CLI prints.

async function commandsFromHelp(): Promise<Leaf[]> {
  // The indented lines after "Commands:", up to the first blank line.
  const names = (text: string) => [...(text.split(/\nCommands:\n/)[1]?.split('\n\n')[0] ?? '').matchAll(/^ {2}(\S+)\s/gm)].map((match) => match[1] ?? '');
  const found: Leaf[] = [];
  for (const name of names((await cli.keel(['--help'])).stdout)) {
    const help = (await cli.keel([name, '--help'])).stdout;
    const subcommands = help.includes('\nCommands:\n') ? names(help) : [];
    if (subcommands.length === 0) found.push(leafOf([name], help));
    for (const subcommand of subcommands) found.push(leafOf([name, subcommand], (await cli.keel([name, subcommand, '--help'])).stdout));
  }
  return found;
}

/** Positionals and value options from a usage line (`Usage: keel runs resolve ID --call CALL_ID (--completed JSON | ...) [options]`) and the Options list. */
function leafOf(path: string[], help: string): Leaf {
  const usage = (help.split('\n')[0] ?? '').replace(`Usage: keel ${path.join(' ')}`, '');
  const positionals: Leaf['positionals'] = [];
  const options: Leaf['options'] = [];
  // Optional parts are in [...]; of a (a | b) choice the first is taken as required.
  const required = usage.replace(/\[[^\]]*\]/g, ' ').replace(/\(([^|)]*)\|[^)]*\)/g, '$1');
  for (const match of required.matchAll(/(--[\w-]+) ([A-Z][A-Z_]*)|(?<![-\w])([A-Z][A-Z_]*)\b/g)) {
    if (match[1] !== undefined) options.push({ flag: match[1], placeholder: match[2] ?? '', required: true });
    else positionals.push({ placeholder: match[3] ?? '', required: true });
  }
  for (const match of usage.matchAll(/\[([A-Z][A-Z_]*)\]/g)) positionals.push({ placeholder: match[1] ?? '', required: false });
  for (const match of help.matchAll(/^ {2}(--[\w-]+) ([A-Z][A-Z_]*)\s/gm)) {
    if (!options.some((option) => option.flag === match[1])) options.push({ flag: match[1] ?? '', placeholder: match[2] ?? '', required: false });
  }
  return { path, positionals, options };
}

// ---------------------------------------------------------------------------------------------
// Valid values, and what kind of value each place takes.

type Kind = 'identifier' | 'text' | 'path';

function kindOf(site: Site): Kind {
  if (['INPUT', 'MESSAGE'].includes(site.placeholder) || site.name === '--failed') return 'text';
  if (['PATH', 'DIR'].includes(site.placeholder) || site.name === '--config') return 'path';
  // Ids, names, choices, numbers, cursors and JSON: none of the hostile values is one.
  return 'identifier';
}

function validValue(leaf: Leaf, site: Site): string {
  const byOption: Record<string, string> = {
    '--session': own.session,
    '--user': 'ana',
    '--tenant': 'default',
    '--agent': 'greeter',
    '--call': 'call_1',
    '--actor': 'ops',
    '--status': 'completed',
    '--role': 'viewer',
    '--limit': '5',
    '--concurrency': '2',
    '--port': '0',
    '--name': 'fuzz',
    '--completed': '{}',
    '--failed': 'it failed',
    '--cursor': own.cursor,
    '--config': '.',
  };
  if (!site.positional) return byOption[site.name] ?? 'x';
  const byPlaceholder: Record<string, string> = { AGENT: 'greeter', INPUT: 'hi', DIR: '.', JSON: '{}', MESSAGE: 'no' };
  if (site.placeholder === 'ID') return leaf.path[0] === 'keys' ? own.key : own.run;
  return byPlaceholder[site.placeholder] ?? 'x';
}

/** The command line with `site` set to `value` and everything else required set validly. */
function argvWith(leaf: Leaf, site: Site, value: string): string[] {
  const argv = [...leaf.path];
  const positionals = leaf.positionals.filter((positional) => positional.required || (site.positional && positional.placeholder === site.placeholder));
  for (const positional of positionals) {
    const here: Site = { name: positional.placeholder, placeholder: positional.placeholder, positional: true };
    argv.push(site.positional && site.placeholder === positional.placeholder ? value : validValue(leaf, here));
  }
  for (const option of leaf.options.filter((candidate) => candidate.required || (!site.positional && candidate.flag === site.name))) {
    const here: Site = { name: option.flag, placeholder: option.placeholder, positional: false };
    argv.push(option.flag, !site.positional && site.name === option.flag ? value : validValue(leaf, here));
  }
  return argv;
}

function valuesFor(kind: Kind, random: () => number): HostileValue[] {
  const all = hostileStrings(random, { oversizeLength: 1024 * 1024 + 1 });
  if (kind === 'text') return all.filter((value) => badInAnyText.has(value.kind));
  const legitimatePath: ReadonlySet<HostileClass> = new Set(['path-traversal']);
  return kind === 'path' ? all.filter((value) => !legitimatePath.has(value.kind)) : all;
}

// ---------------------------------------------------------------------------------------------

describe('fuzzing every CLI command that takes a string', () => {
  it('finds the commands and their arguments in the help', () => {
    const found = leaves.map((leaf) => leaf.path.join(' '));
    expect(found).toEqual(
      expect.arrayContaining(['run', 'runs ls', 'runs show', 'runs cancel', 'runs resolve', 'keys create', 'keys ls', 'keys revoke', 'dev', 'worker', 'start']),
    );
    const run = leaves.find((leaf) => leaf.path.join(' ') === 'run');
    expect(run?.positionals.map((positional) => positional.placeholder)).toEqual(['AGENT', 'INPUT']);
    expect(run?.options.map((option) => option.flag)).toEqual(expect.arrayContaining(['--session', '--user', '--config']));
    const resolve = leaves.find((leaf) => leaf.path.join(' ') === 'runs resolve');
    expect(resolve?.options.filter((option) => option.required).map((option) => option.flag)).toEqual(['--call', '--completed']);
  });

  it('ends every hostile command line with an error or safe output, and changes nothing', { timeout: 120_000 }, async () => {
    const random = seededRandom(seed);
    const snapshot = openStoreSnapshot(cli.databasePath);
    const findings: Array<{ argv: string; problem: string }> = [];
    let ran = 0;
    try {
      for (const leaf of leaves) {
        const sites: Site[] = [
          ...leaf.positionals.map((positional) => ({ name: positional.placeholder, placeholder: positional.placeholder, positional: true })),
          ...leaf.options.map((option) => ({ name: option.flag, placeholder: option.placeholder, positional: false })),
        ];
        for (const site of sites) {
          const values: Array<{ label: string; value: string }> = valuesFor(kindOf(site), random).map((hostile) => ({
            label: hostile.kind,
            value: hostile.value,
          }));
          if (site.placeholder === 'ID' && leaf.path[0] === 'runs') values.push({ label: "another tenant's run", value: foreignRun });
          for (const { label, value } of values) {
            const argv = argvWith(leaf, site, value);
            const shown = `keel ${leaf.path.join(' ')} ${site.name}=${label}`;
            const before = snapshot.take();
            // Port 0: a server that wrongly starts must not take a real port on the way.
            const command = cli.start(argv, { env: { KEEL_LOG_LEVEL: 'silent', KEEL_PORT: '0' } });
            ran += 1;
            const code = await Promise.race([command.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 5_000).unref())]);
            if (code === 'running') {
              command.signal();
              await command.exited;
              findings.push({ argv: shown, problem: 'kept running' });
              continue;
            }
            const output = command.stdout() + command.stderr();
            const unsafe = terminalUnsafe(output);
            if (![0, 1, 2].includes(code)) findings.push({ argv: shown, problem: `exit code ${code}` });
            if (unsafe !== undefined) findings.push({ argv: shown, problem: `printed ${JSON.stringify(unsafe.character)} at ${unsafe.at}` });
            if (/\n\s+at .+:\d+:\d+/.test(output)) findings.push({ argv: shown, problem: `printed a stack trace: ${output.slice(0, 200)}` });
            if (output.includes(foreignMarker)) findings.push({ argv: shown, problem: "printed another tenant's data" });
            if (snapshot.take() !== before) findings.push({ argv: shown, problem: `changed the store (exit ${code}): ${output.slice(0, 200)}` });
          }
        }
      }
    } finally {
      snapshot.close();
    }
    expect(findings, `seed ${seed}: ${findings.length} findings in ${ran} commands`).toEqual([]);
    expect(ran).toBeGreaterThan(300);
  });

  it('still runs a normal command afterwards', async () => {
    const result = await cli.keel(['run', 'greeter', 'one more', '--user', 'ana']);
    expect([result.code, result.stdout]).toEqual([0, expect.stringContaining('Hello again!')]);
  });
});
