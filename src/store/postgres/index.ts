/**
 * `keel/postgres`: the PostgreSQL store, for code that builds its store itself (a schema of its
 * own, a pool size, a connection timeout). `openStore('postgres://…')` and `KEEL_DATABASE_URL`
 * reach the same adapter without importing this entry.
 *
 * @example
 * import { createRuntime, loadConfig } from 'keel';
 * import { createPostgresStore } from 'keel/postgres';
 *
 * const store = createPostgresStore({ connectionString: process.env.DATABASE_URL!, schema: 'keel', poolSize: 20 });
 * await store.migrate();
 * const runtime = createRuntime({ config: (await loadConfig({ cwd: process.cwd() })).config, store });
 */

// First, so an old Node.js gets a sentence naming the version Keel needs (see the module).
import '../../internal/assert-supported-node.ts';

export { createPostgresStore } from './postgres-store.ts';
export type { PostgresStoreOptions } from './postgres-store.ts';
