import type { DatabaseSync } from 'node:sqlite';
import { KeelError, toKeelError } from '../../errors/index.ts';

/**
 * How hard a commit tries to reach the disk.
 *
 * - `normal` (default): `synchronous=NORMAL` in WAL mode. A commit survives the process being
 *   killed at any point (`kill -9`, a crash); after an operating-system crash or power loss the
 *   last few commits may be rolled back, but the database is never corrupted.
 * - `full`: `synchronous=FULL`. The WAL is synced on every commit, so a commit also survives
 *   power loss. Measured about 2.5x slower per durable step on this project's machines.
 */
export type SqliteDurability = 'normal' | 'full';

export interface OpenDatabaseOptions {
  path: string;
  durability: SqliteDurability;
  busyTimeoutMs: number;
}

/** Opens a connection with the settings every Keel connection needs. */
export function openDatabase(options: OpenDatabaseOptions): DatabaseSync {
  // Fetched here rather than imported: a static import of a built-in this Node.js lacks fails
  // while modules link, before the entry point's version check can say which Node.js Keel needs.
  const { DatabaseSync: Database } = process.getBuiltinModule('node:sqlite');
  // `timeout` is SQLite's busy_timeout: how long a writer waits for another process (a
  // `keel worker` next to a `keel run`) to finish its transaction before giving up.
  const db = new Database(options.path, { timeout: options.busyTimeoutMs, enableForeignKeyConstraints: true });
  try {
    // WAL lets readers proceed while one writer commits, and makes a commit one sequential
    // append to the WAL file. An in-memory database ignores it.
    db.exec('PRAGMA journal_mode = WAL');
    db.exec(`PRAGMA synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    db.exec('PRAGMA foreign_keys = ON');
    return db;
  } catch (error) {
    db.close();
    throw toStoreError(error);
  }
}

/**
 * Returns a runner for write transactions. They start with `BEGIN IMMEDIATE`, which takes the
 * database's write lock up front (waiting up to the busy timeout): a deferred transaction that
 * read first and then tried to write could fail with SQLITE_BUSY when another process committed
 * in between, with no chance to wait.
 */
export function createTransactionRunner(db: DatabaseSync): <T>(work: () => T) => T {
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  return (work) => {
    begin.run();
    try {
      const result = work();
      commit.run();
      return result;
    } catch (error) {
      if (db.isTransaction) rollback.run();
      throw error;
    }
  };
}

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

/** Maps driver errors to catalogue codes; KeelErrors pass through unchanged. */
export function toStoreError(error: unknown): KeelError {
  if (KeelError.isInstance(error)) return error;
  if (typeof error === 'object' && error !== null && 'code' in error) {
    // node:sqlite uses this code for a closed database, but also for misuse such as a wrong
    // statement parameter: only the former is the store being unavailable.
    if (error.code === 'ERR_INVALID_STATE' && error instanceof Error && /not open|closed/i.test(error.message)) {
      return new KeelError({ code: 'STORE_UNAVAILABLE', message: 'The store is closed', cause: error, retryable: false });
    }
    if (error.code === 'ERR_SQLITE_ERROR' && 'errcode' in error && typeof error.errcode === 'number') {
      // Extended result codes keep the primary code in the low byte.
      const primary = error.errcode & 0xff;
      if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) {
        return new KeelError({
          code: 'STORE_UNAVAILABLE',
          message: 'The database stayed locked by another connection for longer than the busy timeout',
          cause: error,
        });
      }
    }
  }
  return toKeelError(error, 'INTERNAL');
}
