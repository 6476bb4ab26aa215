import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KeelError } from '../errors/index.ts';
import { createSqliteStore, type SqliteDurability } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  /** SQLite only; see `SqliteDurability`. */
  durability?: SqliteDurability;
  /** PostgreSQL only: connections this process may open at most (default 10). */
  poolSize?: number;
  now?: () => Date;
}

/**
 * Opens the store a database URL names (`KEEL_DATABASE_URL`). The caller runs `migrate()`.
 *
 * - `sqlite:./path/keel.db` (relative to the working directory), `sqlite:/abs/keel.db` or
 *   `sqlite:///abs/keel.db`: a SQLite file; missing parent directories are created.
 * - `sqlite::memory:`: a private in-memory database, gone when the store closes.
 * - `postgres://user:password@host:5432/database` (or `postgresql://`): PostgreSQL, through a
 *   connection pool; any parameter `pg` understands may follow (`?sslmode=require`,
 *   `?options=-c%20search_path%3Dkeel` for a schema of its own). Connections open on first use.
 *
 * @example
 * const store = await openStore(process.env.KEEL_DATABASE_URL ?? 'sqlite:./.keel/keel.db');
 * await store.migrate();
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    // Loaded on demand, so `import 'keel'` does not load `pg` for the many projects that only
    // ever open SQLite.
    const { createPostgresStore } = await import('./postgres/postgres-store.ts');
    return createPostgresStore({ connectionString: url, poolSize: options.poolSize, now: options.now });
  }
  const match = /^sqlite:(.*)$/i.exec(url);
  // A leading "//" is the URL-style spelling (sqlite:///abs/path); the rest is a file path.
  const location = match?.[1]?.replace(/^\/\//, '');
  if (location === undefined || location === '') {
    throw new KeelError({
      code: 'CONFIG_INVALID',
      message: 'Unsupported database URL: expected sqlite:./path/to/keel.db, sqlite::memory: or postgres://…',
      // A URL may carry a password: only its scheme is echoed.
      details: { scheme: /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1] ?? null },
    });
  }
  const sqliteOptions = { durability: options.durability, now: options.now };
  if (location === ':memory:') return createSqliteStore({ path: ':memory:', ...sqliteOptions });

  const path = resolve(location);
  mkdirSync(dirname(path), { recursive: true });
  return createSqliteStore({ path, ...sqliteOptions });
}
