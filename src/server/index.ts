/**
 * `keel/server`: the HTTP API as a Hono app, a Node listener for it, and API-key minting. Every
 * export is listed by name; what is not here is internal.
 *
 * @example
 * import { createApp, startServer } from 'keel/server';
 * const server = await startServer({ app: createApp({ runtime }), port: 4000 });
 */

// First, so an old Node.js gets a sentence naming the version Keel needs (see the module).
import '../internal/assert-supported-node.ts';

export { createApp } from './app.ts';
export type { AppOptions } from './app.ts';
export { startServer } from './start-server.ts';
export type { RunningServer, StartServerOptions } from './start-server.ts';
export { createApiKey, hashApiKey } from './auth/api-keys.ts';
export { permissions, rolePermissions } from './auth/permissions.ts';
export type { Permission } from './auth/permissions.ts';
export { registerRoute } from './routes/define-route.ts';
export type { ApiRoute } from './routes/define-route.ts';
export type { ApiApp, Principal, RouteContext, RouteModule, ServerEnv } from './server-types.ts';
export type { RequestLog } from './request-log.ts';
export type { ApiKeyRecord, ApiKeyRole, ApiKeyStore } from '../store/api-key-store.ts';
