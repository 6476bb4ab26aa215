import { DatabaseSync } from 'node:sqlite';

/**
 * Every row of every table of a SQLite store, read from the file directly (not through the
 * Store port, which could hide a write it made itself), as one string to compare before and
 * after. Opened read-only once; each call reads the latest committed state.
 */
export function openStoreSnapshot(path: string): { take(): string; close(): void } {
  const db = new DatabaseSync(path, { readOnly: true });
  const tables = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>
  ).map((row) => row.name);
  const reads = tables.map((table) => ({ table, statement: db.prepare(`SELECT * FROM "${table}"`) }));
  return {
    take() {
      const tablesRows = reads.map(({ table, statement }) => {
        // Rows sorted by their JSON: no table's physical order is part of what is compared.
        const rows = statement.all().map((row) => JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
        return `${table}:${rows.sort().join('\n')}`;
      });
      return tablesRows.join('\n\n');
    },
    close: () => db.close(),
  };
}
