import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ModelCacheStore } from '../model-cache-store.ts';
import { toStoreError } from './open-database.ts';
import { text } from './rows.ts';

const sql = {
  get: 'SELECT response FROM model_response_cache WHERE tenant_id = ? AND cache_key = ? AND expires_at > ?',
  put: `
    INSERT INTO model_response_cache (tenant_id, cache_key, response, created_at, expires_at, run_id)
    VALUES (:tenant_id, :cache_key, :response, :created_at, :expires_at, :run_id)
    ON CONFLICT (tenant_id, cache_key) DO UPDATE SET
      response = excluded.response, created_at = excluded.created_at, expires_at = excluded.expires_at, run_id = excluded.run_id`,
  deleteExpired: `
    DELETE FROM model_response_cache WHERE rowid IN (
      SELECT rowid FROM model_response_cache WHERE expires_at <= ? LIMIT ?)`,
} as const;

type Statements = Record<keyof typeof sql, StatementSync>;

/**
 * The SQLite side of {@link ModelCacheStore}, spread into the SQLite store. `ensureMigrated`
 * throws the store's own "not migrated" error, since statements need the table.
 *
 * @example
 * const store = { ...createSqliteModelCacheStore(db, () => void statements()), ...otherMethods };
 */
export function createSqliteModelCacheStore(db: DatabaseSync, ensureMigrated: () => void): ModelCacheStore {
  let prepared: Statements | undefined;
  const statements = (): Statements => {
    if (prepared !== undefined) return prepared;
    ensureMigrated();
    prepared = Object.fromEntries(Object.entries(sql).map(([name, query]) => [name, db.prepare(query)])) as Statements;
    return prepared;
  };
  return {
    getCachedModelResponse: (tenantId, key, now) =>
      guard(() => {
        const row = statements().get.get(tenantId, key, now.toISOString());
        return row === undefined ? undefined : (JSON.parse(text(row, 'response')) as unknown);
      }),
    putCachedModelResponse: (entry) =>
      guard(() => {
        statements().put.run({
          tenant_id: entry.tenantId,
          cache_key: entry.key,
          response: JSON.stringify(entry.response),
          created_at: entry.now.toISOString(),
          expires_at: entry.expiresAt.toISOString(),
          run_id: entry.runId ?? null,
        });
      }),
    deleteExpiredModelResponses: (now, limit = 1_000) => guard(() => Number(statements().deleteExpired.run(now.toISOString(), limit).changes)),
  };
}

function guard<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}
