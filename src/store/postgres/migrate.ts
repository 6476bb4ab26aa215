import type { Pool } from 'pg';
import { KeelError } from '../../errors/index.ts';
import { migrations, schemaMigrationsTable } from '../migrations/index.ts';
import { migrationLock } from './advisory-locks.ts';
import type { Row } from './named-sql.ts';
import { integer } from './rows.ts';
import { inTransaction } from './open-pool.ts';

/**
 * Applies pending migrations in one transaction, under an advisory lock: nodes starting at once
 * queue on the lock, and each one after the first finds everything applied and does nothing.
 * PostgreSQL DDL is transactional, so a failing migration leaves the schema as it was.
 */
export async function migratePostgres(pool: Pool, options: { schema: string | undefined; now: Date }): Promise<void> {
  await inTransaction(
    pool,
    async (client) => {
      // The schema name was checked to be a plain identifier when the pool was opened.
      if (options.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
      await client.query(schemaMigrationsTable.postgres);
      const applied = appliedVersions((await client.query<Row>('SELECT version FROM schema_migrations')).rows);
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        try {
          // No parameters: the simple protocol runs the migration's many statements in one message.
          await client.query(migration.sql.postgres);
        } catch (error) {
          throw new KeelError({
            code: 'STORE_MIGRATION_FAILED',
            message: `Migration ${migration.version} (${migration.name}) failed`,
            details: { version: migration.version },
            cause: error,
          });
        }
        await client.query({
          text: 'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
          values: [migration.version, migration.name, options.now.toISOString()],
        });
      }
    },
    migrationLock,
  );
}

export async function isPostgresMigrated(pool: Pool): Promise<boolean> {
  const [table] = (await pool.query<Row>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")).rows;
  if (table?.present !== true) return false;
  const applied = appliedVersions((await pool.query<Row>('SELECT version FROM schema_migrations')).rows);
  return migrations.every((migration) => applied.has(migration.version));
}

function appliedVersions(rows: Row[]): Set<number> {
  return new Set(rows.map((row) => integer(row, 'version')));
}
