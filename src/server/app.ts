import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { KeelError } from '../errors/index.ts';
import type { Runtime } from '../engine/runtime-types.ts';
import { createId } from '../internal/ids.ts';
import type { Store } from '../store/store.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { authenticate } from './auth/authenticate.ts';
import { errorResponse } from './errors.ts';
import { routeModules } from './routes/index.ts';
import type { ApiApp, RouteModule, ServerEnv } from './server-types.ts';

export interface AppOptions {
  runtime: Runtime;
  /** Defaults to `runtime.store`. */
  store?: Store;
  logger?: Logger;
  /** Larger request bodies are refused with 413 before they are read whole. Default 1 MiB. */
  maxBodyBytes?: number;
  /** SSE heartbeat comment interval. Default 15 s. */
  heartbeatMs?: number;
  /**
   * Abort to end the journal streams (`GET /v1/runs/{id}/events`) before a shutdown: clients
   * reconnect elsewhere with Last-Event-ID and miss nothing.
   */
  shutdownSignal?: AbortSignal;
  /** The endpoints to serve. Default: every module in `routes/index.ts`. */
  routes?: readonly RouteModule[];
}

/**
 * The Keel HTTP API as a Hono app: `/v1` (API-key auth, tenant-scoped), `/healthz`, `/readyz`,
 * `/openapi.json`. It does not listen: serve it with `startServer`, or call `app.request()`
 * in tests.
 *
 * @example
 * const app = createApp({ runtime });
 * const response = await app.request('/v1/runs', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'support', input: 'hi', userId: 'u1' }) });
 */
export function createApp(options: AppOptions): ApiApp {
  const store = options.store ?? options.runtime.store;
  const logger = options.logger ?? createLogger();
  const app: ApiApp = new OpenAPIHono<ServerEnv>();

  app.use('*', async (c, next) => {
    // A caller-supplied id (from a proxy, say) is kept only if it is short and plain.
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && /^[\w.:-]{1,64}$/.test(given) ? given : createId('req');
    c.set('requestId', requestId);
    c.set('log', logger.child({ requestId }));
    c.header('x-request-id', requestId);
    await next();
  });
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 1024 * 1024,
      onError: () => {
        throw new KeelError({ code: 'BODY_TOO_LARGE', message: `The request body is larger than ${options.maxBodyBytes ?? 1024 * 1024} bytes` });
      },
    }),
  );
  app.use('/v1/*', authenticate(store));

  const context = {
    runtime: options.runtime,
    store,
    logger,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    shutdownSignal: options.shutdownSignal ?? new AbortController().signal,
  };
  for (const module of options.routes ?? routeModules) module.register(app, context);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', description: 'An API key: keel_…' });
  app.notFound((c) => errorResponse(c, new KeelError({ code: 'ROUTE_NOT_FOUND', message: 'No such endpoint' })));
  app.onError((error, c) => errorResponse(c, error));
  return app;
}
