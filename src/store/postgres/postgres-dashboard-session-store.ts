import type { Pool } from 'pg';
import type { ApiKeyRole } from '../api-key-store.ts';
import type { DashboardSessionRecord, DashboardSessionStore } from '../dashboard-session-store.ts';
import { execute, namedSql, query, type Row } from './named-sql.ts';
import { guard } from './open-pool.ts';
import { nullableTimestamp, text, timestamp } from './rows.ts';

const sessionSql = {
  insert: namedSql(`
    INSERT INTO dashboard_sessions (token_hash, key_id, tenant_id, created_at, expires_at)
    VALUES (:token_hash, :key_id, :tenant_id, :created_at::timestamptz, :expires_at::timestamptz)`),
  // Every dashboard request makes this lookup: prepared once per connection.
  find: namedSql(
    `SELECT s.key_id, s.tenant_id, s.created_at, s.expires_at, k.role, k.revoked_at
     FROM dashboard_sessions s JOIN api_keys k ON k.id = s.key_id AND k.tenant_id = s.tenant_id
     WHERE s.token_hash = :token_hash AND s.expires_at > :now::timestamptz`,
    { prepare: 'keel_find_dashboard_session' },
  ),
  delete: namedSql(`DELETE FROM dashboard_sessions WHERE token_hash = :token_hash`),
  sweep: namedSql(`DELETE FROM dashboard_sessions WHERE expires_at <= :now::timestamptz`),
} as const;

/**
 * The PostgreSQL side of {@link DashboardSessionStore}, spread into the PostgreSQL store.
 *
 * @example
 * const store = { ...createPostgresDashboardSessionStore(pool), ...otherMethods };
 */
export function createPostgresDashboardSessionStore(pool: Pool): DashboardSessionStore {
  return {
    createDashboardSession: (input) =>
      guard(async () => {
        await execute(pool, sessionSql.insert, {
          token_hash: input.tokenHash,
          key_id: input.keyId,
          tenant_id: input.tenantId,
          created_at: input.now.toISOString(),
          expires_at: input.expiresAt.toISOString(),
        });
      }),
    findDashboardSession: (tokenHash, now) =>
      guard(async () => {
        const [row] = await query(pool, sessionSql.find, { token_hash: tokenHash, now: now.toISOString() });
        return row === undefined ? undefined : toSession(row);
      }),
    deleteDashboardSession: (tokenHash) => guard(async () => (await execute(pool, sessionSql.delete, { token_hash: tokenHash })) > 0),
    deleteExpiredDashboardSessions: (now) => guard(async () => await execute(pool, sessionSql.sweep, { now: now.toISOString() })),
  };
}

function toSession(row: Row): DashboardSessionRecord {
  return {
    keyId: text(row, 'key_id'),
    tenantId: text(row, 'tenant_id'),
    // The CHECK constraint on `api_keys.role` keeps this cast honest.
    role: text(row, 'role') as ApiKeyRole,
    keyRevokedAt: nullableTimestamp(row, 'revoked_at'),
    createdAt: timestamp(row, 'created_at'),
    expiresAt: timestamp(row, 'expires_at'),
  };
}
