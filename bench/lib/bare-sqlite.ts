import { DatabaseSync } from 'node:sqlite';

/**
 * The baseline of every durable-step figure: one hand-written node:sqlite transaction that
 * inserts a journal row and updates its run row, on a WAL database with synchronous=NORMAL (the
 * pragmas Keel's store opens its connections with). Nothing sits between the loop and the driver.
 */
export interface BareSqlite {
  /** Commits one step: insert of `data`, update of the run row. */
  step(data: string): void;
  close(): void;
}

export function openBareSqlite(path: string): BareSqlite {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(`
    CREATE TABLE runs (id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE journal (run_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, seq));
    INSERT INTO runs (id, last_seq, updated_at) VALUES ('run_1', 0, '');
  `);
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const insert = db.prepare("INSERT INTO journal (run_id, seq, data) VALUES ('run_1', ?, ?)");
  const update = db.prepare("UPDATE runs SET last_seq = ?, updated_at = ? WHERE id = 'run_1'");
  let seq = 0;
  return {
    step(data) {
      seq += 1;
      begin.run();
      insert.run(seq, data);
      update.run(seq, new Date().toISOString());
      commit.run();
    },
    close: () => db.close(),
  };
}
