import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Runtime } from '../engine/runtime-types.ts';
import type { ApiKeyRole } from '../store/api-key-store.ts';
import type { Store } from '../store/store.ts';
import type { ServerMetrics } from '../telemetry/metrics/server-metrics.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { RequestLog } from './request-log.ts';
import type { Vault } from '../vault/vault.ts';

/** Who is calling: the API key's tenant and role. Every store query is scoped to `tenantId`. */
export interface Principal {
  keyId: string;
  tenantId: string;
  role: ApiKeyRole;
}

/** Per-request values the middleware sets for the routes. */
export interface ServerEnv {
  Variables: {
    requestId: string;
    /** The request's log lines: `requestId`, and `tenantId` and `keyId` once authenticated. */
    log: RequestLog;
    /** Set by the authentication middleware on every `/v1` request. */
    principal: Principal;
  };
}

export type ApiApp = OpenAPIHono<ServerEnv>;

/** What a route module may use: the runtime and store, and the server's settings. */
export interface RouteContext {
  runtime: Runtime;
  store: Store;
  /** Undefined when the process has no master key: vault endpoints then answer `VAULT_NOT_CONFIGURED`. */
  vault: Vault | undefined;
  logger: Logger;
  /** Interval of SSE heartbeat comments. */
  heartbeatMs: number;
  /** Aborted when the server shuts down: long-lived streams end so the drain can finish. */
  shutdownSignal: AbortSignal;
  /** The app's metrics (rate-limit rejections, open streams) and the `/metrics` rendering. */
  metrics: ServerMetrics;
}

/** One resource's endpoints. Adding a resource is one file exporting this, plus one line in `routes/index.ts`. */
export interface RouteModule {
  name: string;
  register(app: ApiApp, context: RouteContext): void;
}
