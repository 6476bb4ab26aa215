import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from '../telemetry/logger.ts';
import { answerClientError } from './client-error.ts';

export interface StartServerOptions {
  app: { fetch: (request: Request) => Response | Promise<Response> };
  /** Default 4000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: reachable from this machine only, unless asked otherwise. */
  host?: string;
  logger?: Logger;
}

export interface RunningServer {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  /**
   * Stops accepting connections and waits for in-flight requests to finish; after `drainMs`
   * (default 10 s) the remaining connections are closed. Long-lived streams should be ended
   * first (the app's `shutdownSignal`), or they hold the drain until it times out.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

/**
 * Serves a Hono app on Node's HTTP server (`@hono/node-server`).
 *
 * @example
 * const shutdown = new AbortController();
 * const server = await startServer({ app: createApp({ runtime, shutdownSignal: shutdown.signal }), port: 0 });
 * console.log(server.url);
 * shutdown.abort();
 * await server.close();
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve({ fetch: options.app.fetch, port: options.port ?? 4000, hostname: host }, () => resolve(created as Server));
    created.once('error', reject);
  });
  // Requests Node's parser refuses (a 100 KB URL, say) get the API's JSON error body too.
  server.on('clientError', (error: Error & { code?: string }, socket) => answerClientError(error, socket, options.logger));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close(closeOptions = {}) {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), closeOptions.drainMs ?? 10_000);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        // Keep-alive sockets with no request in flight would otherwise hold `close` open.
        server.closeIdleConnections();
        options.logger?.info({ url }, 'server stopped accepting connections');
      });
      return closing;
    },
  };
}
