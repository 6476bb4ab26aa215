import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { applyLimitsFromEnv, createRuntime, leaseMsFrom } from '../../keel.ts';
import { loadConfig } from '../../sdk/load-config.ts';
import type { Store } from '../../store/store.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { exitCodes, type CliIo, type Command } from '../command.ts';
import { cliTenantId, createCliLogger, databaseUrl, noticeDemoModels, openCliStore } from '../cli-environment.ts';
import { ensureDevKey } from '../dev/dev-key.ts';
import { versionModulesUnder } from '../dev/module-versions.ts';
import { createReloadingRuntime, type RuntimeGeneration } from '../dev/reloading-runtime.ts';
import { parseCommandLine, parsePort, requirePositionals, showHelp } from '../parse-arguments.ts';
import { listenAddress, serveApi } from '../serve/serve-api.ts';
import { reportError } from '../report-error.ts';
import { createStyle, shouldColor } from '../style.ts';

const name = 'keel dev';
const sourceFile = /\.(?:[cm]?[jt]s|json)$/;

export const devCommand: Command = {
  name: 'dev',
  summary: 'development server: API and worker on the embedded store, reloads agents on change',
  help: `Usage: keel dev [DIR] [--port N]

Serves the HTTP API and executes runs in this process, on the embedded SQLite store
(./.keel/keel.db unless KEEL_DATABASE_URL says otherwise), with the agents of DIR's keel.config.*
(default: the working directory). Editing the config or a file next to it reloads the agents.
Prints the URL and a dev admin key, created once and kept in ./.keel/dev-admin-key.

Options:
  --port N     port to listen on (default KEEL_PORT or 4000; 0 picks a free one)
  -h, --help   show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, { port: { type: 'string' } });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, [], ['DIR']);
    const directory = resolve(io.cwd, positionals[0] ?? '.');
    const { port, host } = listenAddress(io.env, parsePort(name, '--port', values.port)?.toString());
    const logger = createCliLogger(io);
    const versions = versionModulesUnder(directory);
    const store = await openCliStore(io);
    let watcher: { close(): void } | undefined;
    try {
      await applyLimitsFromEnv(store, io.env);
      // One identity for this dev server on this store, across restarts and reloads: restarted after
      // a crash, it takes back the runs it held at once instead of waiting for their leases to expire.
      const workerId = devWorkerId(io);
      const first = await loadGeneration(io, directory, store, logger, workerId, true);
      const reloading = createReloadingRuntime(first.generation);
      const { key } = await ensureDevKey(store, join(io.cwd, '.keel', 'dev-admin-key'), cliTenantId);
      watcher = watchAgents(directory, async () => {
        versions.bump();
        try {
          const next = await loadGeneration(io, directory, store, logger, workerId, false);
          await reloading.replace(next.generation);
          io.stderr.write(`reloaded ${relative(io.cwd, next.path) || next.path} (agents: ${next.agents.join(', ')})\n`);
        } catch (error) {
          io.stderr.write('reload failed; still serving the previous agents\n');
          reportError(error, io);
        }
      });
      await serveApi(io, {
        runtime: reloading.runtime,
        store,
        logger,
        port,
        host,
        drainMs: 2_000,
        closeRuntime: async () => {
          watcher?.close();
          await reloading.close();
        },
        onListening: (server) => io.stdout.write(banner(io, server.url, key, first.path, first.agents)),
      });
    } finally {
      watcher?.close();
      await store.close();
    }
    return exitCodes.ok;
  },
};

async function loadGeneration(
  io: CliIo,
  directory: string,
  store: Store,
  logger: Logger,
  workerId: string,
  first: boolean,
): Promise<{ generation: RuntimeGeneration; path: string; agents: string[] }> {
  const { config, path } = await loadConfig({ cwd: directory });
  const agents = [...config.agents.keys()];
  if (first) noticeDemoModels(config, agents, io);
  const leaseMs = leaseMsFrom(io.env);
  const runtime = createRuntime({ config, store, env: io.env, logger, workerId, ...(leaseMs === undefined ? {} : { leaseMs }) });
  if (first) await runtime.reclaimOwnLeases();
  return { generation: { runtime, worker: runtime.startWorker() }, path, agents };
}

/** Calls `onChange` (debounced, one at a time) when a source file directly in `directory` changes. */
function watchAgents(directory: string, onChange: () => Promise<void>): { close(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = Promise.resolve();
  const watcher = watch(directory, (_event, file) => {
    if (file === null || !sourceFile.test(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(onChange);
    }, 150);
  });
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

function banner(io: CliIo, url: string, key: string, configPath: string, agents: string[]): string {
  const style = createStyle(shouldColor(io.stdout, io.env));
  const example = JSON.stringify({ agent: agents[0] ?? 'AGENT', input: 'Where is my order 1001?', userId: 'dev-user' });
  return [
    `${style('bold', 'Keel dev server')} ${url}`,
    `  agents        ${agents.join(', ') || 'none'} ${style('dim', `(${relative(io.cwd, configPath) || configPath}, reloaded on change)`)}`,
    `  dev admin key ${key} ${style('dim', '(.keel/dev-admin-key)')}`,
    `  API           ${url}/openapi.json`,
    '',
    `  curl -s ${url}/v1/runs -H 'authorization: Bearer ${key}' -H 'content-type: application/json' -d '${example}'`,
    `  curl -N ${url}/v1/runs/RUN_ID/events -H 'authorization: Bearer ${key}'`,
    '',
    '',
  ].join('\n');
}

/** The dev server's stable worker id: this machine, this working directory, this store. */
function devWorkerId(io: CliIo): string {
  const digest = createHash('sha256')
    .update(`${io.cwd}\u0000${databaseUrl(io)}`)
    .digest('hex')
    .slice(0, 16);
  return `dev:${hostname()}:${digest}`;
}
