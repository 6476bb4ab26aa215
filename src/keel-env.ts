/**
 * The composition root's readers of the environment, for processes configured by it (`keel
 * start`, `keel worker`, `openRuntime`): the store, the default limits, the vault, the lease, the
 * node id and CORS, each checked at start-up with a clear `CONFIG_INVALID` (or vault) error
 * rather than a surprise later.
 */
import { KeelError } from './errors/index.ts';
import { limitsFromEnv } from './protection/limits-from-env.ts';
import type { KeelConfig } from './sdk/define-config.ts';
import { parseCorsOrigins } from './server/middleware/cors.ts';
import { defaultLimitsTenant, type TenantLimits } from './store/limits-store.ts';
import { openStore } from './store/open-store.ts';
import type { Store } from './store/store.ts';
import { parseMasterKeyring } from './vault/master-key.ts';
import { createVault, type Vault } from './vault/vault.ts';

export type Environment = Record<string, string | undefined>;

export const defaultDatabaseUrl = 'sqlite:./.keel/keel.db';

/**
 * `KEEL_NODE_ID`: a `keel start` node's stable identity. Restarted under the same id, a node
 * takes back the runs it held at once (`reclaimOwnLeases`) instead of waiting for their leases
 * to expire. Give every node its own id (a pod or host name); unset, each start is a new node.
 */
export function nodeIdFrom(env: Environment): string | undefined {
  const raw = env.KEEL_NODE_ID?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^[\w.:@-]{1,128}$/.test(raw)) {
    throw new KeelError({ code: 'CONFIG_INVALID', message: `KEEL_NODE_ID must be 1-128 letters, digits or "_.:@-" (got "${raw}")` });
  }
  return `node:${raw}`;
}

/** `KEEL_DATABASE_URL`, or the embedded default. */
export function databaseUrlFrom(env: Environment): string {
  const url = env.KEEL_DATABASE_URL?.trim();
  return url === undefined || url === '' ? defaultDatabaseUrl : url;
}

/**
 * `KEEL_LEASE_MS`: how long a worker's claim on a run lasts without a heartbeat (default 15 s).
 * Shorter means faster takeover after a crash, at the price of more heartbeat writes.
 */
export function leaseMsFrom(env: Environment): number | undefined {
  const raw = env.KEEL_LEASE_MS?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 100) {
    throw new KeelError({ code: 'CONFIG_INVALID', message: `KEEL_LEASE_MS must be a whole number of milliseconds, at least 100 (got "${raw}")` });
  }
  return value;
}

/**
 * `KEEL_CORS_ORIGINS`: the origins of browser apps allowed to call the API, comma-separated
 * (`https://app.example.com,http://localhost:5173`), or `*` for any. Unset or empty: CORS is off.
 * An entry that is not an origin is `CONFIG_INVALID`.
 *
 * @example
 * createApp({ runtime, corsOrigins: corsOriginsFrom(process.env) });
 */
export function corsOriginsFrom(env: Environment): string[] {
  return parseCorsOrigins(env.KEEL_CORS_ORIGINS);
}

/**
 * Opens the store `KEEL_DATABASE_URL` names and applies pending migrations (they are idempotent
 * and safe from many processes at once).
 *
 * @example
 * const store = await openStoreFromEnv(process.env);
 */
export async function openStoreFromEnv(env: Environment): Promise<Store> {
  const store = await openStore(databaseUrlFrom(env));
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * Every tenant's default limits from `KEEL_TENANT_MAX_CONCURRENT_RUNS`,
 * `KEEL_USER_REQUESTS_PER_MINUTE` and `KEEL_USER_TOKENS_PER_HOUR` (`none` turns one off); an
 * unset variable takes its value from `defaults` when given (`keel start` passes
 * `secureLimitDefaults`), else leaves the stored default as it is.
 *
 * @example
 * await applyLimitsFromEnv(store, process.env, { defaults: secureLimitDefaults });
 */
export async function applyLimitsFromEnv(store: Store, env: Environment, options: { defaults?: Partial<TenantLimits> } = {}): Promise<void> {
  const limits = { ...options.defaults, ...limitsFromEnv(env) };
  if (Object.keys(limits).length > 0) await store.setTenantLimits(defaultLimitsTenant, limits);
}

/**
 * The vault over `store` with the master keyring in `KEEL_MASTER_KEY` and the config's OAuth
 * providers; undefined when the variable is not set. With `required` (the config uses the
 * vault: a tool with `credentials`, or an OAuth provider), a missing key is `MASTER_KEY_MISSING`
 * naming what needs it. A malformed key is always `MASTER_KEY_INVALID`, at start-up.
 *
 * @example
 * const vault = vaultFromEnv({ store, env: process.env, config, required: configUsesVault(config) });
 */
export function vaultFromEnv(options: { store: Store; env: Environment; config: KeelConfig; required?: boolean }): Vault | undefined {
  const text = options.env.KEEL_MASTER_KEY;
  if (text === undefined || text.trim() === '') {
    if (options.required !== true) return undefined;
    const tools = [...options.config.agents.values()].flatMap((agent) => agent.tools.filter((tool) => tool.credentials.length > 0).map((tool) => tool.name));
    const needs = [
      ...(tools.length > 0 ? [`tools ${[...new Set(tools)].join(', ')} declare credentials`] : []),
      ...(options.config.oauth.size > 0 ? [`OAuth providers ${[...options.config.oauth.keys()].join(', ')} are configured`] : []),
    ];
    throw new KeelError({
      code: 'MASTER_KEY_MISSING',
      message: `KEEL_MASTER_KEY is not set, and the config uses the vault (${needs.join('; ')}). Set it to 32 random bytes as base64 (openssl rand -base64 32) and keep it safe: a lost key loses every secret.`,
    });
  }
  return createVault({ store: options.store, keyring: parseMasterKeyring(text), oauth: options.config.oauth });
}
