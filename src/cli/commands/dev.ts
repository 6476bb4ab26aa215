import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { hostname } from 'node:os';
import { relative, resolve } from 'node:path';
import { applyLimitsFromEnv, leaseMsFrom } from '../../keel-env.ts';
import { createRuntime } from '../../keel.ts';
import { startPeriodicSweeps } from '../../protection/periodic-sweeps.ts';
import { parseMasterKeyring } from '../../vault/master-key.ts';
import { createVault, type Vault } from '../../vault/vault.ts';
import { ensureDevMasterKey } from '../vault/cli-vault.ts';
import { loadConfig } from '../../sdk/load-config.ts';
import type { KeelConfig } from '../../sdk/define-config.ts';
import type { Store } from '../../store/store.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { exitCodes, type CliIo, type Command } from '../command.ts';
import { cliTenantId, createCliLogger, databaseUrl, noticeDemoModels, openCliStore } from '../cli-environment.ts';
import { devKeyFile, ensureDevKey } from '../dev/dev-key.ts';
import { versionModulesUnder } from '../dev/module-versions.ts';
import { createReloadingRuntime, type RuntimeGeneration } from '../dev/reloading-runtime.ts';
import { sampleRequest } from '../dev/sample-request.ts';
import { parseCommandLine, parsePort, requirePositionals, showHelp } from '../parse-arguments.ts';
import { listenAddress, serveApi } from '../serve/serve-api.ts';
import { reportError } from '../report-error.ts';
import { describeSettled, describeStarted, observeRunActivity } from '../settled-runs.ts';
import { shellWord } from '../shell-word.ts';
import { createStyle, shouldColor } from '../style.ts';
import { terminalSafe } from '../terminal-text.ts';
import type { CommitObserver } from '../../engine/commits.ts';
import type { AgentDefinition } from '../../sdk/define-agent.ts';

const name = 'keel dev';
const sourceFile = /\.(?:[cm]?[jt]s|json)$/;

export const devCommand: Command = {
  name: 'dev',
  summary: 'development server: API and worker on the embedded store, reloads agents on change',
  help: `Usage: keel dev [DIR] [--port N]

Serves the HTTP API and executes runs in this process, on the embedded SQLite store
(./.keel/keel.db unless KEEL_DATABASE_URL says otherwise), with the agents of DIR's keel.config.*
(default: the working directory). Editing the config or a file next to it reloads the agents.
Prints the URL, a dev admin key (created once per store and kept under ./.keel/) and a sample
request for the first agent, then one line per run as it starts and as it completes, fails or
waits, with the time it took. Without KEEL_MASTER_KEY, the vault's master key is
generated once into ./.keel/master-key (mode 0600).

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
    const sweeper = startPeriodicSweeps({
      logger,
      sweeps: [
        { name: 'window-counters', run: (now) => store.sweepWindowCounters(now) },
        { name: 'dashboard-sessions', run: (now) => store.deleteExpiredDashboardSessions(now) },
      ],
    });
    try {
      await applyLimitsFromEnv(store, io.env);
      // One identity for this dev server on this store, across restarts and reloads: restarted after
      // a crash, it takes back the runs it held at once instead of waiting for their leases to expire.
      const workerId = devWorkerId(io);
      // One observer for every generation: reloading the agents does not reset what was announced.
      const style = createStyle(shouldColor(io.stdout, io.env));
      const activity = observeRunActivity({
        onStarted: (run) => io.stdout.write(`${describeStarted(run, style)}\n`),
        onSettled: (run) => io.stdout.write(`${describeSettled(run, style)}\n`),
      });
      const masterKey = await ensureDevMasterKey(io);
      if (masterKey.generated) io.stderr.write(`generated a master key for the vault into ${relative(io.cwd, masterKey.path ?? '') || masterKey.path}\n`);
      const keyring = parseMasterKeyring(masterKey.key);
      const makeVault = (oauth: Parameters<typeof createVault>[0]['oauth']) => createVault({ store, keyring, oauth });
      const first = await loadGeneration(io, directory, store, logger, { workerId, activity, first: true, makeVault });
      const reloading = createReloadingRuntime(first.generation);
      const keyFile = devKeyFile(io.cwd, databaseUrl(io));
      const { key } = await ensureDevKey(store, keyFile, cliTenantId);
      watcher = watchAgents(directory, async () => {
        versions.bump();
        try {
          const next = await loadGeneration(io, directory, store, logger, { workerId, activity, first: false, makeVault });
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
        // The first generation's vault: OAuth providers added by a reload need a restart to serve their routes.
        vault: first.vault,
        logger,
        port,
        host,
        drainMs: 2_000,
        closeRuntime: async () => {
          watcher?.close();
          await reloading.close();
        },
        onListening: (server) =>
          io.stdout.write(banner(io, { url: server.url, key, keyFile, configPath: first.path, agents: [...first.generation.runtime.config.agents.values()] })),
      });
    } finally {
      watcher?.close();
      await sweeper.stop();
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
  options: { workerId: string; activity: CommitObserver; first: boolean; makeVault: (oauth: KeelConfig['oauth']) => Vault },
): Promise<{ generation: RuntimeGeneration; path: string; agents: string[]; vault: Vault }> {
  const { workerId, first } = options;
  const { config, path } = await loadConfig({ cwd: directory });
  const agents = [...config.agents.keys()];
  if (first) noticeDemoModels(config, agents, io);
  const leaseMs = leaseMsFrom(io.env);
  const vault = options.makeVault(config.oauth);
  const runtime = createRuntime({
    config,
    store,
    env: io.env,
    logger,
    workerId,
    vault,
    observers: [options.activity],
    ...(leaseMs === undefined ? {} : { leaseMs }),
  });
  if (first) await runtime.reclaimOwnLeases();
  return { generation: { runtime, worker: runtime.startWorker() }, path, agents, vault };
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

function banner(io: CliIo, options: { url: string; key: string; keyFile: string; configPath: string; agents: AgentDefinition[] }): string {
  const { url, key, agents } = options;
  const style = createStyle(shouldColor(io.stdout, io.env));
  const first = agents[0];
  const body = JSON.stringify(first === undefined ? { agent: 'AGENT', input: 'Hello!', userId: 'dev-user' } : sampleRequest(first));
  const shown = (path: string) => relative(io.cwd, path) || path;
  // Agent names, descriptions and paths come from the project: printed terminal-safe like any outside text.
  const lines = [
    `${style('bold', 'Keel dev server')} ${url}`,
    `  agents        ${terminalSafe(agents.map((agent) => agent.name).join(', ') || 'none')} ${style('dim', `(${terminalSafe(shown(options.configPath))}, reloaded on change)`)}`,
    `  dev admin key ${key} ${style('dim', `(${terminalSafe(shown(options.keyFile))})`)}`,
    // The key rides in the fragment, which the browser never sends: the sign-in page reads it, signs in and drops it.
    `  dashboard     ${url}/ui/sign-in#key=${key}`,
    `  API           ${url}/openapi.json`,
    '',
    `  curl -s ${url}/v1/runs -H 'authorization: Bearer ${key}' -H 'content-type: application/json' -d ${terminalSafe(shellWord(body))}`,
    `  curl -N ${url}/v1/runs/RUN_ID/events -H 'authorization: Bearer ${key}'`,
    '',
    '',
  ];
  return lines.join('\n');
}

/** The dev server's stable worker id: this machine, this working directory, this store. */
function devWorkerId(io: CliIo): string {
  const digest = createHash('sha256')
    .update(`${io.cwd}\u0000${databaseUrl(io)}`)
    .digest('hex')
    .slice(0, 16);
  return `dev:${hostname()}:${digest}`;
}
