import type { Pool } from 'pg';
import type { ModelCacheStore } from '../model-cache-store.ts';
import { execute, namedSql, query } from './named-sql.ts';
import { guard } from './open-pool.ts';

const cacheSql = {
  get: namedSql('SELECT response FROM model_response_cache WHERE tenant_id = :tenant_id AND cache_key = :cache_key AND expires_at > :now::timestamptz', {
    prepare: 'keel_get_cached_response',
  }),
  put: namedSql(`
    INSERT INTO model_response_cache (tenant_id, cache_key, response, created_at, expires_at, run_id)
    VALUES (:tenant_id, :cache_key, :response::json, :created_at::timestamptz, :expires_at::timestamptz, :run_id::text)
    ON CONFLICT (tenant_id, cache_key) DO UPDATE SET
      response = excluded.response, created_at = excluded.created_at, expires_at = excluded.expires_at, run_id = excluded.run_id`),
  // SKIP LOCKED: sweepers on several nodes take disjoint batches instead of queueing on each other.
  deleteExpired: namedSql(`
    DELETE FROM model_response_cache WHERE (tenant_id, cache_key) IN (
      SELECT tenant_id, cache_key FROM model_response_cache WHERE expires_at <= :now::timestamptz
      LIMIT :limit::integer FOR UPDATE SKIP LOCKED)`),
} as const;

/**
 * The PostgreSQL side of {@link ModelCacheStore}, spread into the PostgreSQL store.
 *
 * @example
 * const store = { ...createPostgresModelCacheStore(pool), ...otherMethods };
 */
export function createPostgresModelCacheStore(pool: Pool): ModelCacheStore {
  return {
    getCachedModelResponse: (tenantId, key, now) =>
      guard(async () => {
        const [row] = await query(pool, cacheSql.get, { tenant_id: tenantId, cache_key: key, now: now.toISOString() });
        // json comes back parsed.
        return row === undefined ? undefined : (row.response as unknown);
      }),
    putCachedModelResponse: (entry) =>
      guard(async () => {
        await execute(pool, cacheSql.put, {
          tenant_id: entry.tenantId,
          cache_key: entry.key,
          response: JSON.stringify(entry.response),
          created_at: entry.now.toISOString(),
          expires_at: entry.expiresAt.toISOString(),
          run_id: entry.runId ?? null,
        });
      }),
    deleteExpiredModelResponses: (now, limit = 1_000) => guard(() => execute(pool, cacheSql.deleteExpired, { now: now.toISOString(), limit })),
  };
}
