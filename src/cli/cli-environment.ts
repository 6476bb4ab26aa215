import { limitsFromEnv } from '../budget/limits-from-env.ts';
import { createRateLimiter } from '../budget/rate-limit.ts';
import { meterTokens } from '../budget/token-meter.ts';
import { KeelError } from '../errors/index.ts';
import { createRuntime } from '../engine/runtime.ts';
import type { Runtime } from '../engine/runtime-types.ts';
import type { KeelConfig } from '../sdk/define-config.ts';
import { loadConfig } from '../sdk/load-config.ts';
import { defaultLimitsTenant } from '../store/limits-store.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import type { CliIo } from './command.ts';

export const defaultDatabaseUrl = 'sqlite:./.keel/keel.db';

/** The CLI acts in the runtime's default tenant, like `keel dev`. */
export const cliTenantId = 'default';

export function databaseUrl(io: CliIo): string {
  const url = io.env.KEEL_DATABASE_URL?.trim();
  return url === undefined || url === '' ? defaultDatabaseUrl : url;
}

/** The database URL without its password, for printing. */
export function displayDatabaseUrl(url: string): string {
  if (!url.includes('://')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** JSON logs on stderr. `warn` by default, so the terminal output of a command stays readable. */
export function createCliLogger(io: CliIo): Logger {
  return createLogger({ level: io.env.KEEL_LOG_LEVEL?.trim() || 'warn' });
}

/** Opens the store named by KEEL_DATABASE_URL and applies pending migrations (they are idempotent). */
export async function openCliStore(io: CliIo): Promise<Store> {
  const store = await openStore(databaseUrl(io));
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

export interface CliRuntime {
  runtime: Runtime;
  config: KeelConfig;
  configPath: string;
  /** Stops executions gracefully (their runs stay resumable), then closes the store. */
  close(): Promise<void>;
}

/**
 * Loads the config and opens the store and a runtime over them. `wrapStore` lets a command watch
 * what this process writes (the worker reports the runs it finishes that way).
 */
export async function openCliRuntime(
  io: CliIo,
  options: { configPath?: string; wrapStore?: (store: Store) => Store; logger?: Logger } = {},
): Promise<CliRuntime> {
  const { config, path } = await loadConfig({ cwd: io.cwd, ...(options.configPath === undefined ? {} : { path: options.configPath }) });
  const store = await openCliStore(io);
  const leaseMs = leaseMsFrom(io.env);
  await applyLimitsFromEnv(store, io).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const runtime = createRuntime({
    config,
    store: meteredStore(options.wrapStore?.(store) ?? store),
    logger: options.logger ?? createCliLogger(io),
    ...(leaseMs === undefined ? {} : { leaseMs }),
  });
  let closed: Promise<void> | undefined;
  return {
    runtime,
    config,
    configPath: path,
    close() {
      closed ??= (async () => {
        try {
          await runtime.close();
        } finally {
          await store.close();
        }
      })();
      return closed;
    },
  };
}

/**
 * The store a runtime executes runs through: each model call's tokens count against its end
 * user's token limit (ADR 0003).
 */
export function meteredStore(store: Store): Store {
  return meterTokens(store, createRateLimiter({ store }));
}

/**
 * Every tenant's default limits from `KEEL_TENANT_MAX_CONCURRENT_RUNS`,
 * `KEEL_USER_REQUESTS_PER_MINUTE` and `KEEL_USER_TOKENS_PER_HOUR`; unset variables leave the
 * stored defaults as they are.
 */
export async function applyLimitsFromEnv(store: Store, io: CliIo): Promise<void> {
  const limits = limitsFromEnv(io.env);
  if (Object.keys(limits).length > 0) await store.setTenantLimits(defaultLimitsTenant, limits);
}

/**
 * A scripted demo model answers from a fixed script, not from a language model: say so on stderr
 * so nobody mistakes its answers for a real agent's.
 */
export function noticeDemoModels(config: KeelConfig, agentNames: readonly string[], io: CliIo): void {
  for (const name of agentNames) {
    const model = config.agents.get(name)?.model;
    if (typeof model === 'object' && model !== null && model.provider === 'keel-demo') {
      io.stderr.write(
        `notice: agent "${name}" runs on the scripted demo model (${model.provider}:${model.modelId}), not a language model. ` +
          'Configure a real model (e.g. set OPENAI_API_KEY for the example) for real answers.\n',
      );
    }
  }
}

/**
 * `KEEL_LEASE_MS`: how long a worker's claim on a run lasts without a heartbeat (default 15 s).
 * Shorter means faster takeover after a crash, at the price of more heartbeat writes.
 */
export function leaseMsFrom(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.KEEL_LEASE_MS?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 100) {
    throw new KeelError({ code: 'CONFIG_INVALID', message: `KEEL_LEASE_MS must be a whole number of milliseconds, at least 100 (got "${raw}")` });
  }
  return value;
}
