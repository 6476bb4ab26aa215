import type { AgentDefinition } from '../../src/sdk/define-agent.ts';
import type { ProviderSettings } from '../../src/gateway/provider-settings.ts';
import type { RateLimiter } from '../../src/protection/rate-limit.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createApp } from '../../src/server/app.ts';
import type { ApiApp } from '../../src/server/server-types.ts';
import type { ApiKeyRole } from '../../src/store/api-key-store.ts';
import { createSilentLogger, type Logger } from '../../src/telemetry/logger.ts';
import type { OAuthSettings } from '../../src/vault/oauth-settings.ts';
import type { TracingOption } from '../../src/telemetry/tracing/run-tracing.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';
import type { Worker } from '../../src/engine/runtime-types.ts';

export interface TestApi extends TestRuntime {
  app: ApiApp;
  /** Keys of tenant `acme` by role, plus `other`: an admin key of tenant `globex`. */
  keys: Record<ApiKeyRole | 'other', string>;
  request(method: string, path: string, options?: { key?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  json<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { key?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T }>;
}

/**
 * The API over a fresh test runtime, with one key per role. With `worker`, a worker executes
 * runs in the background as `keel dev` does.
 */
export async function createTestApi(options: {
  agents: AgentDefinition[];
  worker?: boolean;
  heartbeatMs?: number;
  maxBodyBytes?: number;
  providers?: ProviderSettings;
  /** Build the app's rate limiter over the test's store (to give it a fake clock, say). */
  rateLimiter?: (store: TestRuntime['store']) => RateLimiter;
  corsOrigins?: string[];
  /** A master key: the runtime and the API then have a vault. */
  masterKey?: string;
  oauth?: OAuthSettings;
  /** Default: silent. */
  logger?: Logger;
  tracing?: TracingOption;
}): Promise<TestApi & { worker?: Worker }> {
  const test = await createTestRuntime({
    agents: options.agents,
    ...(options.providers === undefined ? {} : { providers: options.providers }),
    ...(options.masterKey === undefined ? {} : { masterKey: options.masterKey }),
    ...(options.oauth === undefined ? {} : { oauth: options.oauth }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.tracing === undefined ? {} : { tracing: options.tracing }),
  });
  const worker = options.worker === true ? test.runtime.startWorker({ pollIntervalMs: 20 }) : undefined;
  const app = createApp({
    runtime: test.runtime,
    logger: options.logger ?? createSilentLogger(),
    vault: test.vault,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    ...(options.rateLimiter === undefined ? {} : { rateLimiter: options.rateLimiter(test.store) }),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
  });
  const mint = async (tenantId: string, role: ApiKeyRole) => (await createApiKey(test.store, { tenantId, role, name: role })).key;
  const keys = {
    admin: await mint('acme', 'admin'),
    app: await mint('acme', 'app'),
    reviewer: await mint('acme', 'reviewer'),
    viewer: await mint('acme', 'viewer'),
    other: await mint('globex', 'admin'),
  };
  const request: TestApi['request'] = (method, path, requestOptions = {}) => {
    const headers: Record<string, string> = { ...requestOptions.headers };
    const key = requestOptions.key === undefined ? keys.app : requestOptions.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (requestOptions.body !== undefined) {
      body = typeof requestOptions.body === 'string' ? requestOptions.body : JSON.stringify(requestOptions.body);
      headers['content-type'] ??= 'application/json';
    }
    return Promise.resolve(app.request(path, { method, headers, ...(body === undefined ? {} : { body }) }));
  };
  return {
    ...test,
    app,
    keys,
    ...(worker === undefined ? {} : { worker }),
    request,
    async json(method, path, jsonOptions) {
      const response = await request(method, path, jsonOptions);
      const text = await response.text();
      return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as never };
    },
    async close() {
      await worker?.stop();
      await test.close();
    },
  };
}
