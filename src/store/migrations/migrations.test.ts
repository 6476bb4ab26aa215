import { describe, expect, it } from 'vitest';
import { migrations, schemaMigrationsTable } from './index.ts';

describe('migrations', () => {
  it('are numbered 1, 2, 3… in order, with unique names', () => {
    expect(migrations.map((migration) => migration.version)).toEqual(migrations.map((_, index) => index + 1));
    expect(new Set(migrations.map((migration) => migration.name)).size).toBe(migrations.length);
  });

  it('carry SQL for every dialect, creating the same tables and indexes', () => {
    const created = (sql: string): string[] => [...sql.matchAll(/CREATE (?:UNIQUE )?(?:TABLE|INDEX) (\w+)/g)].map((match) => match[1] ?? '');
    for (const migration of migrations) {
      expect(migration.sql.sqlite.trim()).not.toBe('');
      const only = { sqlite: migration.onlyIn?.sqlite ?? [], postgres: migration.onlyIn?.postgres ?? [] };
      // What one dialect alone creates is declared, and really created there.
      for (const dialect of ['sqlite', 'postgres'] as const) expect(created(migration.sql[dialect])).toEqual(expect.arrayContaining([...only[dialect]]));
      const shared = (dialect: 'sqlite' | 'postgres') => created(migration.sql[dialect]).filter((name) => !only[dialect].includes(name));
      expect(shared('postgres')).toEqual(shared('sqlite'));
    }
    expect(schemaMigrationsTable.postgres).toMatch(/CREATE TABLE IF NOT EXISTS schema_migrations/);
    expect(schemaMigrationsTable.sqlite).toMatch(/CREATE TABLE IF NOT EXISTS schema_migrations/);
  });
});
