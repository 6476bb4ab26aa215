import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** This folder: its own package.json and lockfile, its own node_modules. */
export const langGraphDirectory = import.meta.dirname;
const stampPath = join(langGraphDirectory, 'node_modules', '.keel-bench-installed');
const logPath = join(langGraphDirectory, '..', 'results', 'langgraph-install.log');

export type LangGraphAvailability = { available: true } | { available: false; reason: string };

/**
 * Makes sure LangGraph.js is installed in bench/langgraph (never in Keel's own dependencies):
 * `npm ci` from this folder's lockfile on first use, and again whenever package.json or the
 * lockfile change. With `install: false` it only reports whether it is there.
 *
 * The SQLite checkpointer needs better-sqlite3, a native addon. package.json overrides it to
 * 13.x: its Node-API binary ships inside the npm package (nothing to download, nothing to
 * compile), whereas 12.x — what the checkpointer asks for — must be compiled here and then
 * aborts in a garbage-collection finaliser on Node 24.19+ (`RemoveEnvironmentCleanupHook`).
 */
export async function ensureLangGraph(options: { install: boolean; log: (line: string) => void }): Promise<LangGraphAvailability> {
  const wanted = installFingerprint();
  const installed = existsSync(stampPath) ? readFileSync(stampPath, 'utf8') : undefined;
  if (installed !== wanted) {
    if (!options.install) return { available: false, reason: 'LangGraph.js is not installed in bench/langgraph (npm run bench installs it)' };
    options.log('langgraph: installing LangGraph.js into bench/langgraph (first use)…');
    const exitCode = await npm(['ci', '--prefix', langGraphDirectory, '--no-audit', '--no-fund']);
    if (exitCode !== 0) {
      return { available: false, reason: `npm ci in bench/langgraph failed (exit code ${exitCode}); see bench/results/langgraph-install.log` };
    }
    writeFileSync(stampPath, wanted);
  }
  try {
    // Opening a database with the checkpointer's driver proves its native addon works here.
    const load = (specifier: string): Promise<unknown> => import(specifier);
    const driver = (await load(pathToFileURL(join(langGraphDirectory, 'node_modules', 'better-sqlite3', 'lib', 'index.js')).href)) as {
      default: new (path: string) => { close(): void };
    };
    new driver.default(':memory:').close();
    return { available: true };
  } catch (error) {
    return { available: false, reason: `better-sqlite3 does not load under Node ${process.version}: ${String(error)}` };
  }
}

function installFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json']) hash.update(readFileSync(join(langGraphDirectory, file)));
  return hash.digest('hex');
}

/** Runs npm under this very Node (npm scripts export `npm_execpath`), logging to bench/results. */
function npm(args: string[]): Promise<number> {
  mkdirSync(dirname(logPath), { recursive: true });
  const log = createWriteStream(logPath);
  const npmCli = process.env.npm_execpath;
  const [command, commandArgs] = npmCli?.endsWith('.js') === true ? [process.execPath, [npmCli, ...args]] : ['npm', args];
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    let finished = false;
    const finish = (code: number, note = '') => {
      if (finished) return;
      finished = true;
      log.end(note);
      resolve(code);
    };
    child.on('error', (error) => finish(-1, `\n${String(error)}\n`));
    child.on('close', (code) => finish(code ?? -1));
  });
}
