import type { DatabaseSync } from 'node:sqlite';
import { KeelError } from '../../errors/index.ts';
import { migrations, schemaMigrationsTable } from '../migrations/index.ts';
import { integer, type Row } from './rows.ts';

/**
 * Applies pending migrations in one `BEGIN IMMEDIATE` transaction. Two processes starting at
 * once serialise on the write lock; the second finds everything applied and does nothing. SQLite
 * DDL is transactional, so a failing migration leaves the schema as it was.
 */
export function migrateSqlite(db: DatabaseSync, transaction: <T>(work: () => T) => T, now: Date): void {
  transaction(() => {
    db.exec(schemaMigrationsTable.sqlite);
    const applied = appliedVersions(db);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      try {
        db.exec(migration.sql.sqlite);
      } catch (error) {
        throw new KeelError({
          code: 'STORE_MIGRATION_FAILED',
          message: `Migration ${migration.version} (${migration.name}) failed`,
          details: { version: migration.version },
          cause: error,
        });
      }
      record.run(migration.version, migration.name, now.toISOString());
    }
  });
}

export function isSqliteMigrated(db: DatabaseSync): boolean {
  const table = db.prepare("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (table === undefined) return false;
  const applied = appliedVersions(db);
  return migrations.every((migration) => applied.has(migration.version));
}

function appliedVersions(db: DatabaseSync): Set<number> {
  const rows: Row[] = db.prepare('SELECT version FROM schema_migrations').all();
  return new Set(rows.map((row) => integer(row, 'version')));
}
