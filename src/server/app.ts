import { OpenAPIHono } from '@hono/zod-openapi';
import { createRateLimiter, type RateLimiter } from '../protection/rate-limit.ts';
import { KeelError } from '../errors/index.ts';
import type { Runtime } from '../engine/runtime-types.ts';
import { createId } from '../internal/ids.ts';
import type { Store } from '../store/store.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { authenticate, authenticateMetrics } from './auth/authenticate.ts';
import { createServerMetrics } from '../telemetry/metrics/server-metrics.ts';
import type { RuntimeMetrics } from '../telemetry/metrics/runtime-metrics.ts';
import type { Vault } from '../vault/vault.ts';
import { errorResponse } from './errors.ts';
import { bodyLimit } from './middleware/body-limit.ts';
import { corsFor } from './middleware/cors.ts';
import { loadShedding, type LoadSheddingOptions } from './middleware/load-shedding.ts';
import { methodNotAllowed, type KnownRoute } from './middleware/method-not-allowed.ts';
import { endUserOf, rateLimit } from './middleware/rate-limit.ts';
import { wellFormedUrl } from './middleware/well-formed-url.ts';
import { RequestLog } from './request-log.ts';
import { routeModules } from './routes/index.ts';
import type { ApiApp, RouteModule, ServerEnv } from './server-types.ts';

export interface AppOptions {
  /** A runtime from `createRuntime` brings its metrics along: `/metrics` serves them with the server's. */
  runtime: Runtime & { readonly metrics?: RuntimeMetrics };
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
  /**
   * Answer 503 OVERLOADED before taking on more than the process can serve. Default
   * `{ maxInFlight: 1024 }` with the event-loop and heap bounds' defaults; `false` turns it off.
   */
  loadShedding?: LoadSheddingOptions | false;
  /**
   * Per-user rate limits (the tenant's limits in the store), keyed by tenant and end user: the
   * request's `userId`/`user`, else the API key. Default: a limiter over `store`; `false` turns it off.
   */
  rateLimiter?: RateLimiter | false;
  /** The endpoints to serve. Default: every module in `routes/index.ts`. */
  routes?: readonly RouteModule[];
  /**
   * A bearer token that lets an operator's Prometheus scrape `/metrics` for every tenant
   * (`KEEL_METRICS_TOKEN` in `keel start`). API keys with `metrics:read` see their own tenant.
   */
  metricsToken?: string;
  /**
   * Origins of browser apps allowed to call the API (CORS), as `https://app.example.com`, or
   * `['*']` for any. Default: none, CORS off. `keel start`/`keel dev` read `KEEL_CORS_ORIGINS`.
   */
  corsOrigins?: readonly string[];
  /**
   * The vault behind `/v1/credentials` and `/v1/oauth` (the same one the runtime resolves
   * tools' credentials from). Without it those endpoints answer `VAULT_NOT_CONFIGURED`.
   */
  vault?: Vault | undefined;
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
    c.set('log', new RequestLog(logger, { requestId }));
    c.header('x-request-id', requestId);
    await next();
  });
  // Before anything that needs a key: a browser's preflight carries none. The URL and method
  // checks after it read nothing but the request line, so they come before load shedding too.
  if (options.corsOrigins !== undefined && options.corsOrigins.length > 0) app.use('*', corsFor(options.corsOrigins));
  app.use('*', wellFormedUrl());
  app.use(
    '*',
    methodNotAllowed(() => registeredRoutes(app)),
  );
  // Before the body and the key lookup, so an overloaded process spends nothing on a request it sheds.
  if (options.loadShedding !== false) app.use('/v1/*', loadShedding(options.loadShedding ?? { maxInFlight: 1024 }));
  app.use('/v1/*', bodyLimit(options.maxBodyBytes ?? 1024 * 1024));
  app.use('/v1/*', authenticate(store));
  app.use('/metrics', authenticateMetrics(store, options.metricsToken));
  const metrics = createServerMetrics({ store, runtime: () => options.runtime.metrics });
  if (options.rateLimiter !== false) {
    const limiter = options.rateLimiter ?? createRateLimiter({ store });
    app.use(
      '/v1/*',
      rateLimit<ServerEnv>({
        limiter,
        // The end user the request names, else its API key: every request counts against someone.
        identify: async (c) => ({ tenantId: c.get('principal').tenantId, userId: (await endUserOf(c)) ?? `key:${c.get('principal').keyId}` }),
        onRejected: (subject) => metrics.rateLimited(subject.tenantId),
      }),
    );
  }

  const context = {
    runtime: options.runtime,
    store,
    vault: options.vault,
    logger,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    shutdownSignal: options.shutdownSignal ?? new AbortController().signal,
    metrics,
  };
  for (const module of options.routes ?? routeModules) module.register(app, context);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', description: 'An API key: keel_…' });
  app.notFound((c) => errorResponse(c, new KeelError({ code: 'ROUTE_NOT_FOUND', message: 'No such endpoint' })));
  app.onError((error, c) => errorResponse(c, error));
  return app;
}

/** Every endpoint registered with `registerRoute`, from the OpenAPI registry. */
function registeredRoutes(app: ApiApp): KnownRoute[] {
  return app.openAPIRegistry.definitions.flatMap((definition) =>
    definition.type === 'route' ? [{ method: definition.route.method, path: definition.route.path }] : [],
  );
}
