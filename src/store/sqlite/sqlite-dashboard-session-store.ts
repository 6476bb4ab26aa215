import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ApiKeyRole } from '../api-key-store.ts';
import type { DashboardSessionRecord, DashboardSessionStore } from '../dashboard-session-store.ts';
import { toStoreError } from './open-database.ts';
import { nullableText, text, type Row } from './rows.ts';

const sql = {
  insert: `
    INSERT INTO dashboard_sessions (token_hash, key_id, tenant_id, created_at, expires_at)
    VALUES (:token_hash, :key_id, :tenant_id, :created_at, :expires_at)`,
  // ISO-8601 UTC text of one length compares in time order.
  find: `
    SELECT s.key_id, s.tenant_id, s.created_at, s.expires_at, k.role, k.revoked_at
    FROM dashboard_sessions s JOIN api_keys k ON k.id = s.key_id AND k.tenant_id = s.tenant_id
    WHERE s.token_hash = :token_hash AND s.expires_at > :now`,
  delete: `DELETE FROM dashboard_sessions WHERE token_hash = ?`,
  sweep: `DELETE FROM dashboard_sessions WHERE expires_at <= ?`,
} as const;

type Statements = Record<keyof typeof sql, StatementSync>;

/**
 * The SQLite side of {@link DashboardSessionStore}, spread into the SQLite store.
 *
 * @example
 * const store = { ...createSqliteDashboardSessionStore(db, () => void statements()), ...otherMethods };
 */
export function createSqliteDashboardSessionStore(db: DatabaseSync, ensureMigrated: () => void): DashboardSessionStore {
  let prepared: Statements | undefined;
  const statements = (): Statements => {
    if (prepared !== undefined) return prepared;
    ensureMigrated();
    prepared = Object.fromEntries(Object.entries(sql).map(([name, query]) => [name, db.prepare(query)])) as Statements;
    return prepared;
  };
  return {
    createDashboardSession: (input) =>
      guard(
        () =>
          void statements().insert.run({
            token_hash: input.tokenHash,
            key_id: input.keyId,
            tenant_id: input.tenantId,
            created_at: input.now.toISOString(),
            expires_at: input.expiresAt.toISOString(),
          }),
      ),
    findDashboardSession: (tokenHash, now) =>
      guard(() => {
        const row = statements().find.get({ token_hash: tokenHash, now: now.toISOString() });
        return row === undefined ? undefined : toSession(row);
      }),
    deleteDashboardSession: (tokenHash) => guard(() => Number(statements().delete.run(tokenHash).changes) > 0),
    deleteExpiredDashboardSessions: (now) => guard(() => Number(statements().sweep.run(now.toISOString()).changes)),
  };
}

function guard<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}

function toSession(row: Row): DashboardSessionRecord {
  return {
    keyId: text(row, 'key_id'),
    tenantId: text(row, 'tenant_id'),
    // The CHECK constraint on `api_keys.role` keeps this cast honest.
    role: text(row, 'role') as ApiKeyRole,
    keyRevokedAt: nullableText(row, 'revoked_at'),
    createdAt: text(row, 'created_at'),
    expiresAt: text(row, 'expires_at'),
  };
}
