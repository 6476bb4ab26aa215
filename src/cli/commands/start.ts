import { nodeIdFrom } from '../../keel-env.ts';
import { secureLimitDefaults } from '../../protection/limits-from-env.ts';
import { startPeriodicSweeps } from '../../protection/periodic-sweeps.ts';
import { auditRetentionDaysFrom, auditRetentionSweep } from '../../vault/audit-retention.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { exitCodes, type Command } from '../command.ts';
import { openCliRuntime } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { listenAddress, serveApi } from '../serve/serve-api.ts';

const name = 'keel start';

export const startCommand: Command = {
  name: 'start',
  summary: 'production server: API and worker, config from the environment',
  help: `Usage: keel start [--config PATH]

Serves the HTTP API and executes runs in this process, with JSON logs on stdout. Any number of
processes may share one store. On SIGTERM or SIGINT it shuts down gracefully: stops accepting
connections, lets in-flight requests finish, then finishes or parks in-flight steps and
releases their leases.

Environment:
  KEEL_DATABASE_URL   the store (default sqlite:./.keel/keel.db); migrations are applied at start
  KEEL_PORT           port to listen on (default 4000; 0 picks a free one)
  KEEL_HOST           address to listen on (default 127.0.0.1; 0.0.0.0 for all interfaces)
  KEEL_CONFIG         config file or directory (default: keel.config.* in the working directory)
  KEEL_LOG_LEVEL      log level (default info)
  KEEL_LEASE_MS       lease duration in ms (default 15000)
  KEEL_NODE_ID        this node's stable identity: restarted, it resumes its runs at once
  KEEL_CORS_ORIGINS   browser origins allowed to call the API, comma-separated, or * (default: none)
  KEEL_AUDIT_RETENTION_DAYS  days of audit entries to keep; older ones are pruned hourly, keeping a
                      checkpoint (default: keep them all)
  KEEL_MASTER_KEY     the vault's master key: required when a tool declares credentials or an
                      OAuth provider is configured (32 bytes as base64: openssl rand -base64 32)

Limits are on by default (set a variable to "none" to turn one off; per-tenant values with
PUT /v1/limits/{tenantId}):
  KEEL_TENANT_MAX_CONCURRENT_RUNS   runs of a tenant executing at once (default ${secureLimitDefaults.maxConcurrentRuns})
  KEEL_USER_REQUESTS_PER_MINUTE     requests per end user per minute (default ${secureLimitDefaults.userRequests?.limit})
  KEEL_USER_TOKENS_PER_HOUR         model tokens per end user per hour (default ${secureLimitDefaults.userTokens?.limit})

Options:
  --config PATH   overrides KEEL_CONFIG
  -h, --help      show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, { config: { type: 'string' } });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    const { port, host } = listenAddress(io.env);
    const logger = createLogger({ level: io.env.KEEL_LOG_LEVEL?.trim() || 'info', destination: { write: (line: string) => io.stdout.write(line) } });
    const configPath = values.config ?? (io.env.KEEL_CONFIG?.trim() || undefined);
    const nodeId = nodeIdFrom(io.env);
    const auditRetentionDays = auditRetentionDaysFrom(io.env);
    const cli = await openCliRuntime(io, {
      logger,
      limitDefaults: secureLimitDefaults,
      ...(configPath === undefined ? {} : { configPath }),
      ...(nodeId === undefined ? {} : { workerId: nodeId }),
    });
    // Restarted under the same identity, the node takes back what its previous life held.
    if (nodeId !== undefined) await cli.runtime.reclaimOwnLeases();
    cli.runtime.startWorker();
    const store = cli.runtime.store;
    // Every node sweeps: deleting rows that count nothing any more is harmless twice over.
    const sweeper = startPeriodicSweeps({
      logger,
      sweeps: [
        { name: 'window-counters', run: (now) => store.sweepWindowCounters(now) },
        { name: 'oauth-requests', run: (now) => store.sweepOAuthStates(now) },
        { name: 'dashboard-sessions', run: (now) => store.deleteExpiredDashboardSessions(now) },
      ],
    });
    // The audit log's retention, when one is set: hourly, since each prune that deletes something is itself audited.
    const retention =
      auditRetentionDays === undefined
        ? undefined
        : startPeriodicSweeps({ logger, intervalMs: 60 * 60_000, sweeps: [auditRetentionSweep(store, auditRetentionDays)] });
    await serveApi(io, {
      runtime: cli.runtime,
      store,
      vault: cli.vault,
      logger,
      port,
      host,
      closeRuntime: async () => {
        await sweeper.stop();
        await retention?.stop();
        await cli.close();
      },
      onListening: (server) =>
        logger.info({ url: server.url, dashboard: `${server.url}/ui/`, config: cli.configPath, agents: [...cli.config.agents.keys()] }, 'listening'),
    });
    return exitCodes.ok;
  },
};
