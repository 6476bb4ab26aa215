import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type RuntimeOptions } from '../keel.ts';
import type { KeelRuntime } from '../keel.ts';
import type { Model } from '../gateway/model.ts';
import { resolveModel } from '../gateway/resolve-model.ts';
import type { AgentDefinition } from '../sdk/define-agent.ts';
import type { AlertSettings } from '../cost/alert-settings.ts';
import { defineConfig } from '../sdk/define-config.ts';
import type { ProviderSettings } from '../gateway/provider-settings.ts';
import type { PricingOverrides } from '../gateway/pricing/index.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import { parseMasterKeyring } from '../vault/master-key.ts';
import type { OAuthSettings } from '../vault/oauth-settings.ts';
import { createVault, type Vault } from '../vault/vault.ts';

export interface TestRuntime {
  runtime: KeelRuntime;
  store: Store;
  /** The vault, when the runtime was given a `masterKey`. */
  vault: Vault | undefined;
  /** The SQLite file behind the store: hand it to another process to share the store. */
  databasePath: string;
  /** Closes the runtime and the store and deletes the temporary database. */
  close(): Promise<void>;
}

export interface TestRuntimeOptions extends Partial<Omit<RuntimeOptions, 'config' | 'store'>> {
  agents: AgentDefinition[];
  providers?: ProviderSettings;
  /** Prices for models the catalogue lacks (`defineConfig({ pricing })`). */
  pricing?: PricingOverrides;
  /** `defineConfig({ alerts })`: the webhook, spend alert settings and alert rules. */
  alerts?: AlertSettings;
  /** Use this store instead of a fresh temporary SQLite database. */
  store?: Store;
  /** A master key (`KEEL_MASTER_KEY` format, e.g. `generateMasterKey()`): the runtime then has a vault for tools' credentials. */
  masterKey?: string;
  /** OAuth providers, as `defineConfig({ oauth })` takes them. */
  oauth?: OAuthSettings;
}

/**
 * A runtime on a fresh temporary SQLite database with a silent logger and no model retries,
 * for tests of agents and of Keel itself.
 *
 * @example
 * const model = scriptedModel([{ text: 'Hello!' }]);
 * const agent = defineAgent({ name: 'greeter', model, instructions: 'Greet.' });
 * const { runtime, close } = await createTestRuntime({ agents: [agent] });
 * const run = await runtime.run({ agent: 'greeter', input: 'hi' });
 * expect(run.output).toBe('Hello!');
 * await close();
 */
export async function createTestRuntime(options: TestRuntimeOptions): Promise<TestRuntime> {
  const directory = mkdtempSync(join(tmpdir(), 'keel-test-'));
  const databasePath = join(directory, 'keel.db');
  const store = options.store ?? createSqliteStore({ path: databasePath });
  await store.migrate();
  const config = defineConfig({
    agents: options.agents,
    ...(options.providers === undefined ? {} : { providers: options.providers }),
    ...(options.pricing === undefined ? {} : { pricing: options.pricing }),
    ...(options.alerts === undefined ? {} : { alerts: options.alerts }),
    ...(options.oauth === undefined ? {} : { oauth: options.oauth }),
  });
  const { agents: _agents, providers: _providers, pricing: _pricing, alerts: _alerts, store: _store, masterKey, oauth: _oauth, ...runtimeOptions } = options;
  const vault = masterKey === undefined ? undefined : createVault({ store, keyring: parseMasterKeyring(masterKey), oauth: config.oauth });
  const runtime = createRuntime({
    logger: createSilentLogger(),
    resolveModel: (reference): Model => resolveModel(reference, { providers: config.providers, env: process.env }),
    gateway: { retry: { maxAttempts: 1 } },
    leaseMs: 2_000,
    ...(vault === undefined ? {} : { vault }),
    ...runtimeOptions,
    config,
    store,
  });
  return {
    runtime,
    store,
    vault,
    databasePath,
    async close() {
      await runtime.close();
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
