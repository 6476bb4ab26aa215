import type { Store } from '../store.ts';

export type Dialect = Store['dialect'];

/**
 * One schema change, with the SQL for every dialect side by side so the two adapters cannot
 * drift apart unnoticed. Migrations are append-only: never edit one that has shipped, add the
 * next version instead. Each adapter applies the pending ones in `version` order inside one
 * transaction and records them in `schema_migrations`.
 */
export interface Migration {
  version: number;
  name: string;
  sql: Record<Dialect, string>;
  /**
   * Tables or indexes one dialect creates and the other deliberately does not (a physical
   * design that suits one engine only), each explained in its migration. Everything else must
   * exist in both.
   */
  onlyIn?: Partial<Record<Dialect, readonly string[]>>;
}

/** Created before any migration runs; it is how an adapter knows which ones are applied. */
export const schemaMigrationsTable: Record<Dialect, string> = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL
)`,
};
