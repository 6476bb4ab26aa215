import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, posix } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Keel as a user gets it: `npm pack` (which builds dist/ through `prepare`), a brand-new project
 * (`npm init -y`), the tarball installed into it, and `keel dev` serving the README's own
 * `keel.config.ts` against the README's fake model server recipe. Slow on purpose — a build and
 * an install — so every check on the installed package shares the one install.
 */
const repository = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const children = new Set<ChildProcess>();
let work: string;
let project: string;
let packed: PackResult;
let fakeModelUrl: string;

interface PackResult {
  filename: string;
  size: number;
  files: { path: string }[];
}

/**
 * A user's environment: none of the variables `npm test` hands its scripts (a child npm would
 * read them as its own configuration), and none of Keel's or the providers'.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const name of Object.keys(env)) {
    if (/^npm_/i.test(name) || name === 'INIT_CWD' || name === 'NODE_OPTIONS') delete env[name];
    if (/^KEEL_|^OPENAI_|^ANTHROPIC_/.test(name) && !(name in extra)) delete env[name];
  }
  return env;
}

const npm = (args: string[], cwd: string) => run('npm', args, { cwd, env: userEnv(), maxBuffer: 64 * 1024 * 1024 });
const offline = ['--prefer-offline', '--no-audit', '--no-fund'];

/** A fresh project as `npm init -y` makes it, switched to ES modules as the README says. */
async function newProject(name: string): Promise<string> {
  const directory = join(work, name);
  await mkdir(directory);
  await npm(['init', '-y'], directory);
  await npm(['pkg', 'set', 'type=module'], directory);
  return directory;
}

/** The first fenced block of `language` after `heading`, exactly as the README shows it. */
function readmeBlock(readme: string, heading: string, language: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`README.md has no heading ${heading}`);
  const open = readme.indexOf(`\n\`\`\`${language}\n`, start);
  const close = readme.indexOf('\n```\n', open + 1);
  return readme.slice(open + language.length + 5, close + 1);
}

function startProcess(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exitStatus: number | string | undefined;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      exitStatus = code ?? signal ?? -1;
      resolve(exitStatus);
    }),
  );
  const output = () => `${stdout}\n${stderr}`;
  /** Throws once the process has ended: waiting on its output any longer would only time out. */
  const alive = () => {
    if (exitStatus !== undefined) throw new Error(`${args.join(' ')} exited with ${exitStatus}:\n${output()}`);
  };
  return { child, exited, alive, stdout: () => stdout, output };
}

/** Polls until `check` holds; the cap only turns a hang into a failure that shows the output. */
async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, output: () => string): Promise<T> {
  for (const started = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > 60_000) throw new Error(`timed out waiting for ${what}:\n${output()}`);
  }
}

/** `keel dev --port 0` with the project's own `node_modules/.bin/keel`, on the Node running this test. */
async function startKeelDev(cwd: string) {
  const keel = startProcess(
    [join(cwd, 'node_modules', '.bin', 'keel'), 'dev', '--port', '0'],
    cwd,
    userEnv({ OPENAI_BASE_URL: `${fakeModelUrl}`, OPENAI_API_KEY: 'fake' }),
  );
  const [, url = '', key = ''] = await until(
    () => {
      keel.alive();
      return /Keel dev server (http:\/\/127\.0\.0\.1:\d+)[\s\S]*dev admin key (keel_\S+)/.exec(keel.stdout()) ?? undefined;
    },
    'the keel dev banner',
    keel.output,
  );
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    // A client honours 503 with Retry-After, as Keel's load shedding asks (a loaded machine sheds).
    for (let attempt = 1; ; attempt += 1) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status === 503 && attempt < 20) {
        await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? '1') * 1000));
        continue;
      }
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    }
  };
  return { ...keel, api, url, key };
}

interface RunView {
  id: string;
  status: string;
  waitingReason: string | null;
  output: unknown;
  costUsd: number;
}

type KeelDev = Awaited<ReturnType<typeof startKeelDev>>;

async function startRun(keel: KeelDev, userId: string): Promise<string> {
  const { id } = await keel.api<{ id: string }>('POST', '/v1/runs', { agent: 'support', input: 'Where is my order 1001?', userId });
  return id;
}

const settled = (keel: KeelDev, id: string, statuses: string[]) =>
  until(
    async () => {
      const view = await keel.api<RunView>('GET', `/v1/runs/${id}`);
      return statuses.includes(view.status) ? view : undefined;
    },
    `run ${id} to be ${statuses.join(' or ')}`,
    keel.output,
  );

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'keel-packaging-'));
  const { stdout } = await npm(['pack', '--json', '--pack-destination', work, '--ignore-scripts=false'], repository);
  [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [PackResult];

  project = await newProject('app');
  await npm(['install', join(work, packed.filename), 'zod', ...offline], project);

  const readme = await readFile(join(repository, 'README.md'), 'utf8');
  await writeFile(join(project, 'keel.config.ts'), readmeBlock(readme, '## Authoring an agent', 'ts'));
  await writeFile(join(project, 'fake-model.mjs'), readmeBlock(readme, '### `keel dev` against the fake model server', 'js'));
  const fake = startProcess(['fake-model.mjs'], project, userEnv({ FAKE_MODEL_PORT: '0' }));
  fakeModelUrl = await until(
    () => {
      fake.alive();
      return /fake OpenAI API at (http:\S+)/.exec(fake.stdout())?.[1];
    },
    'the fake model server',
    fake.output,
  );
}, 300_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('the packed keel', () => {
  it('holds every entry point, built, and nothing that imports vitest or a test file', async () => {
    const files = new Set(packed.files.map((file) => file.path));
    const manifest = JSON.parse(await readFile(join(repository, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      exports: Record<string, string | Record<string, string>>;
    };
    const targets = [
      ...Object.values(manifest.bin),
      ...Object.values(manifest.exports).flatMap((entry) => (typeof entry === 'string' ? [entry] : [entry.types ?? '', entry.default ?? ''])),
    ];
    for (const target of targets) expect(files, target).toContain(posix.normalize(target));

    const testCode = /\.test\.|-race-worker|test-helpers|\/contract\/|postgres-test-database/;
    expect([...files].filter((path) => testCode.test(path))).toEqual([]);

    const installed = join(project, 'node_modules', 'keel');
    const problems: string[] = [];
    for (const path of files) {
      if (!/\.(js|d\.ts)$/.test(path)) continue;
      const { importedFiles } = ts.preProcessFile(await readFile(join(installed, path), 'utf8'), true, true);
      for (const { fileName: specifier } of importedFiles) {
        if (/^(@?vitest)(\/|$)/.test(specifier)) problems.push(`${path} imports ${specifier}`);
        if (!specifier.startsWith('.')) continue;
        const target = posix.join(posix.dirname(path), specifier);
        if (testCode.test(target)) problems.push(`${path} imports the test file ${specifier}`);
        // Compiled JavaScript must name files that exist: plain Node does no extension guessing.
        if (path.endsWith('.js') && !files.has(target)) problems.push(`${path} imports ${specifier}, which is not in the tarball`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("serves the README's config from a fresh project, with usage priced and budgets enforced", { timeout: 120_000 }, async () => {
    const version = await run(process.execPath, [join(project, 'node_modules', '.bin', 'keel'), '--version'], { cwd: project, env: userEnv() });
    const manifest = JSON.parse(await readFile(join(repository, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout).toBe(`${manifest.version}\n`);

    const keel = await startKeelDev(project);
    expect(keel.stdout()).toContain('agents        support (keel.config.ts, reloaded on change)');
    // The dashboard ships in the package: its pages, stylesheet and scripts, htmx and uPlot included.
    expect(keel.stdout()).toContain(`dashboard     ${keel.url}/ui/sign-in#key=${keel.key}`);
    for (const path of [
      '/ui/sign-in',
      '/ui/assets/dashboard.css',
      '/ui/assets/oversight.css',
      '/ui/assets/live-timeline.js',
      '/ui/assets/htmx.min.js',
      '/ui/assets/uplot.min.js',
    ]) {
      expect((await fetch(`${keel.url}${path}`)).status, path).toBe(200);
    }
    // The browser posts the key from the fragment to the sign-in form; the cookie it gets back names a sign-in, not the key.
    const signIn = await fetch(`${keel.url}/ui/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: keel.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: keel.key, next: '/ui/' }).toString(),
    });
    expect(signIn.status).toBe(303);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^keel_session=/);
    expect(cookie).not.toContain(keel.key);
    const overview = await fetch(`${keel.url}/ui/`, { headers: { cookie } });
    expect(overview.status).toBe(200);
    expect(await overview.text()).toContain('<h1>Overview</h1>');
    const inbox = await fetch(`${keel.url}/ui/approvals`, { headers: { cookie } });
    expect([inbox.status, (await inbox.text()).includes('<h1>Approvals</h1>')]).toEqual([200, true]);

    await keel.api('PUT', '/v1/budgets/user/ben', { limitUsd: 0.000001, period: 'day' });
    const ana = await settled(keel, await startRun(keel, 'ana'), ['completed', 'failed']);
    expect(ana).toMatchObject({ status: 'completed', output: 'Order 1001: {"status":"shipped","carrier":"UPS"}' });
    expect(ana.costUsd).toBeGreaterThan(0);

    const benRun = await startRun(keel, 'ben');
    expect(await settled(keel, benRun, ['waiting', 'completed', 'failed'])).toMatchObject({ status: 'waiting', waitingReason: 'budget' });
    const usage = await keel.api<{ data: { key: string; costUsd: number }[] }>('GET', '/v1/usage?groupBy=user');
    expect(usage.data).toEqual([expect.objectContaining({ key: 'ana', costUsd: ana.costUsd })]);

    await keel.api('PUT', '/v1/budgets/user/ben', { limitUsd: 1, period: 'day' });
    expect(await settled(keel, benRun, ['completed', 'failed'])).toMatchObject({ status: 'completed' });

    keel.child.kill('SIGTERM');
    expect(await keel.exited, keel.output()).toBe(0);
  });

  it('does not load pg when keel is imported, only when a postgres:// URL is opened', { timeout: 60_000 }, async () => {
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = new Set();
      registerHooks({ resolve(specifier, context, next) { const result = next(specifier, context); loaded.add(result.url); return result; } });
      const pg = () => [...loaded].some((url) => url.includes('/node_modules/pg/'));
      const { openStore } = await import('keel');
      const onImport = pg();
      const store = await openStore('postgres://keel@127.0.0.1:1/keel');
      await store.close();
      console.log(JSON.stringify({ onImport, afterPostgres: pg() }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env: userEnv() });
    expect(JSON.parse(stdout)).toEqual({ onImport: false, afterPostgres: true });
  });

  it('says which Node it needs, on an old Node, from the keel command and from import', { timeout: 60_000 }, async () => {
    const old = await systemNodeOlderThan22();
    if (old === undefined) {
      // Only where no old Node is installed; CI's machines have one, so there this fails instead.
      expect(process.env.CI, 'CI must have an old system Node to test against').toBeUndefined();
      return;
    }
    const command = await run(old.path, [join(project, 'node_modules', '.bin', 'keel'), 'dev'], { cwd: project, env: userEnv() }).catch(
      (failure: { code: number; stdout: string; stderr: string }) => failure,
    );
    expect(command).toMatchObject({ code: 1, stdout: '', stderr: `Keel needs Node ≥ 22.16 (this is ${old.version})\n` });

    const script = `import('keel').then(() => console.log('loaded'), (error) => console.log(JSON.stringify({ code: error.code, message: error.message })))`;
    const imported = await run(old.path, ['--input-type=module', '-e', script], { cwd: project, env: userEnv() });
    expect(JSON.parse(imported.stdout)).toEqual({ code: 'NODE_VERSION_UNSUPPORTED', message: `Keel needs Node ≥ 22.16 (this is ${old.version})` });
  });

  it('installs from a directory (linked, built by prepare) and serves a run from it', { timeout: 240_000 }, async () => {
    const linked = await newProject('linked-app');
    // Whatever the tarball's build left: only the directory install's own `prepare` may build it.
    await rm(join(repository, 'dist'), { recursive: true, force: true });
    await npm(['install', repository, 'zod', ...offline], linked);
    await writeFile(join(linked, 'keel.config.ts'), await readFile(join(project, 'keel.config.ts'), 'utf8'));

    const keel = await startKeelDev(linked);
    expect(await settled(keel, await startRun(keel, 'ana'), ['completed', 'failed'])).toMatchObject({ status: 'completed' });
    keel.child.kill('SIGTERM');
    expect(await keel.exited, keel.output()).toBe(0);
  });
});

/** The machine's own Node, outside any node_modules (npm scripts put the pinned Node 24 first on PATH). */
async function systemNodeOlderThan22(): Promise<{ path: string; version: string } | undefined> {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/bin', '/usr/bin', '/bin'];
  for (const directory of directories.filter((entry) => entry !== '' && !entry.includes('node_modules'))) {
    const path = join(directory, 'node');
    const version = await run(path, ['--version']).then(
      ({ stdout }) => stdout.trim().replace(/^v/, ''),
      () => undefined,
    );
    if (version !== undefined && Number(version.split('.')[0]) < 22) return { path, version };
  }
  return undefined;
}
