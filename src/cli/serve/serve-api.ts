import { KeelError } from '../../errors/index.ts';
import { corsOriginsFrom } from '../../keel-env.ts';
import type { Runtime } from '../../engine/runtime-types.ts';
import type { RuntimeMetrics } from '../../telemetry/metrics/runtime-metrics.ts';
import { createApp } from '../../server/app.ts';
import { routesWithDashboard } from '../../dashboard/index.ts';
import { startServer, type RunningServer } from '../../server/start-server.ts';
import type { Store } from '../../store/store.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Vault } from '../../vault/vault.ts';
import type { CliIo } from '../command.ts';

export interface ServeApiOptions {
  runtime: Runtime & { readonly metrics?: RuntimeMetrics };
  store: Store;
  vault?: Vault | undefined;
  logger: Logger;
  port: number;
  host: string;
  /** How long in-flight requests may take to finish on shutdown. Default 10 s. */
  drainMs?: number;
  onListening(server: RunningServer): void;
  /** Stops the runtime (workers, leases) and closes the store: the last step of a shutdown. */
  closeRuntime(): Promise<void>;
}

/**
 * Serves the API until SIGINT/SIGTERM, then shuts down in the order that loses nothing: end the
 * journal streams (clients resume elsewhere with Last-Event-ID), stop accepting connections,
 * let in-flight requests finish (every run answered 202 is in the store by then), and only then
 * stop the runtime, which finishes or parks in-flight steps and releases their leases.
 */
export async function serveApi(io: CliIo, options: ServeApiOptions): Promise<void> {
  const shutdown = new AbortController();
  const metricsToken = io.env.KEEL_METRICS_TOKEN?.trim();
  let server: RunningServer;
  try {
    const app = createApp({
      runtime: options.runtime,
      store: options.store,
      vault: options.vault,
      logger: options.logger,
      shutdownSignal: shutdown.signal,
      corsOrigins: corsOriginsFrom(io.env),
      routes: routesWithDashboard,
      ...(metricsToken === undefined || metricsToken === '' ? {} : { metricsToken }),
    });
    server = await startServer({ app, port: options.port, host: options.host, logger: options.logger });
  } catch (error) {
    await options.closeRuntime();
    if ((error as { code?: unknown }).code === 'EADDRINUSE') {
      throw new KeelError({ code: 'CONFIG_INVALID', message: `Port ${options.port} on ${options.host} is already in use: set KEEL_PORT to another port` });
    }
    throw error;
  }
  options.onListening(server);
  const signalled = new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
    const unsubscribe = io.onSignal((signal) => {
      unsubscribe();
      resolve(signal);
    });
  });
  const signal = await signalled;
  options.logger.info({ signal }, 'shutting down: draining requests, then releasing leases');
  shutdown.abort();
  await server.close({ drainMs: options.drainMs ?? 10_000 });
  await options.closeRuntime();
  options.logger.info('shut down');
}

/** `KEEL_PORT` (default 4000; 0 picks a free port) and `KEEL_HOST` (default 127.0.0.1). */
export function listenAddress(env: NodeJS.ProcessEnv, portOverride?: string): { port: number; host: string } {
  const raw = (portOverride ?? env.KEEL_PORT)?.trim();
  const port = raw === undefined || raw === '' ? 4000 : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new KeelError({ code: 'CONFIG_INVALID', message: `KEEL_PORT must be a port number, 0-65535 (got "${raw ?? ''}")` });
  }
  const host = env.KEEL_HOST?.trim() || '127.0.0.1';
  return { port, host };
}
