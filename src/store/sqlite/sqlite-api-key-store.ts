import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ApiKeyRecord, ApiKeyRole, ApiKeyStore, NewApiKey } from '../api-key-store.ts';
import { toStoreError } from './open-database.ts';
import { nullableText, text, type Row } from './rows.ts';

const columns = 'id, tenant_id, name, role, key_prefix, created_at, revoked_at';

const sql = {
  insert: `
    INSERT INTO api_keys (id, tenant_id, name, role, key_hash, key_prefix, created_at, creation_order)
    VALUES (:id, :tenant_id, :name, :role, :key_hash, :key_prefix, :created_at, (SELECT COALESCE(MAX(creation_order), 0) + 1 FROM api_keys))
    RETURNING ${columns}`,
  findByHash: `SELECT ${columns} FROM api_keys WHERE key_hash = ?`,
  // creation_order breaks created_at ties (migration 7), so the order is total.
  list: `SELECT ${columns} FROM api_keys WHERE (:tenant_id IS NULL OR tenant_id = :tenant_id) ORDER BY created_at, creation_order`,
  // COALESCE keeps the first revocation time when a key is revoked twice.
  revoke: `
    UPDATE api_keys SET revoked_at = COALESCE(revoked_at, :now)
    WHERE id = :id AND (:tenant_id IS NULL OR tenant_id = :tenant_id)
    RETURNING ${columns}`,
} as const;

type Statements = Record<keyof typeof sql, StatementSync>;

/**
 * The SQLite side of {@link ApiKeyStore}, spread into the SQLite store. `ensureMigrated` throws
 * the store's own "not migrated" error, since statements can only be prepared once the table exists.
 *
 * @example
 * const store = { ...createSqliteApiKeyStore(db, () => void statements()), ...otherMethods };
 */
export function createSqliteApiKeyStore(db: DatabaseSync, ensureMigrated: () => void): ApiKeyStore {
  let prepared: Statements | undefined;
  const statements = (): Statements => {
    if (prepared !== undefined) return prepared;
    ensureMigrated();
    prepared = Object.fromEntries(Object.entries(sql).map(([name, query]) => [name, db.prepare(query)])) as Statements;
    return prepared;
  };
  return {
    createApiKey: (input: NewApiKey) =>
      guard(() =>
        toApiKey(
          statements().insert.get({
            id: input.id,
            tenant_id: input.tenantId,
            name: input.name,
            role: input.role,
            key_hash: input.keyHash,
            key_prefix: input.prefix,
            created_at: input.now.toISOString(),
          }),
        ),
      ),
    findApiKeyByHash: (keyHash) => guard(() => optional(statements().findByHash.get(keyHash))),
    listApiKeys: (query = {}) =>
      guard(() =>
        statements()
          .list.all({ tenant_id: query.tenantId ?? null })
          .map(toApiKey),
      ),
    revokeApiKey: (id, options) => guard(() => optional(statements().revoke.get({ id, tenant_id: options.tenantId ?? null, now: options.now.toISOString() }))),
  };
}

function guard<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}

function optional(row: Row | undefined): ApiKeyRecord | undefined {
  return row === undefined ? undefined : toApiKey(row);
}

function toApiKey(row: Row | undefined): ApiKeyRecord {
  if (row === undefined) throw new Error('An API key write returned no row');
  return {
    id: text(row, 'id'),
    tenantId: text(row, 'tenant_id'),
    name: text(row, 'name'),
    // The CHECK constraint on `role` keeps this cast honest.
    role: text(row, 'role') as ApiKeyRole,
    prefix: text(row, 'key_prefix'),
    createdAt: text(row, 'created_at'),
    revokedAt: nullableText(row, 'revoked_at'),
  };
}
