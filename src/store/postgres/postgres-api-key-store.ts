import type { Pool } from 'pg';
import { KeelError } from '../../errors/index.ts';
import type { ApiKeyRecord, ApiKeyRole, ApiKeyStore } from '../api-key-store.ts';
import { namedSql, query, type Row } from './named-sql.ts';
import { guard } from './open-pool.ts';
import { nullableTimestamp, text, timestamp } from './rows.ts';

const columns = 'id, tenant_id, name, role, key_prefix, created_at, revoked_at';

const apiKeySql = {
  insert: namedSql(`
    INSERT INTO api_keys (id, tenant_id, name, role, key_hash, key_prefix, created_at)
    VALUES (:id, :tenant_id, :name, :role, :key_hash, :key_prefix, :created_at::timestamptz)
    RETURNING ${columns}`),
  // Every authenticated request makes this lookup: prepared once per connection.
  findByHash: namedSql(`SELECT ${columns} FROM api_keys WHERE key_hash = :key_hash`, { prepare: 'keel_find_api_key' }),
  // creation_order (an identity column, migration 7) breaks created_at ties, so the order is total.
  list: namedSql(`SELECT ${columns} FROM api_keys WHERE (:tenant_id::text IS NULL OR tenant_id = :tenant_id::text) ORDER BY created_at, creation_order`),
  // COALESCE keeps the first revocation time when a key is revoked twice.
  revoke: namedSql(`
    UPDATE api_keys SET revoked_at = COALESCE(revoked_at, :now::timestamptz)
    WHERE id = :id AND (:tenant_id::text IS NULL OR tenant_id = :tenant_id::text)
    RETURNING ${columns}`),
} as const;

/**
 * The PostgreSQL side of {@link ApiKeyStore}, spread into the PostgreSQL store.
 *
 * @example
 * const store = { ...createPostgresApiKeyStore(pool), ...otherMethods };
 */
export function createPostgresApiKeyStore(pool: Pool): ApiKeyStore {
  return {
    createApiKey: (input) =>
      guard(async () => {
        const [row] = await query(pool, apiKeySql.insert, {
          id: input.id,
          tenant_id: input.tenantId,
          name: input.name,
          role: input.role,
          key_hash: input.keyHash,
          key_prefix: input.prefix,
          created_at: input.now.toISOString(),
        });
        if (row === undefined) throw new KeelError({ code: 'INTERNAL', message: 'An API key write returned no row' });
        return toApiKey(row);
      }),
    findApiKeyByHash: (keyHash) => guard(async () => optional(await query(pool, apiKeySql.findByHash, { key_hash: keyHash }))),
    listApiKeys: (listQuery = {}) => guard(async () => (await query(pool, apiKeySql.list, { tenant_id: listQuery.tenantId ?? null })).map(toApiKey)),
    revokeApiKey: (id, options) =>
      guard(async () => optional(await query(pool, apiKeySql.revoke, { id, tenant_id: options.tenantId ?? null, now: options.now.toISOString() }))),
  };
}

function optional(rows: Row[]): ApiKeyRecord | undefined {
  const [row] = rows;
  return row === undefined ? undefined : toApiKey(row);
}

function toApiKey(row: Row): ApiKeyRecord {
  return {
    id: text(row, 'id'),
    tenantId: text(row, 'tenant_id'),
    name: text(row, 'name'),
    // The CHECK constraint on `role` keeps this cast honest.
    role: text(row, 'role') as ApiKeyRole,
    prefix: text(row, 'key_prefix'),
    createdAt: timestamp(row, 'created_at'),
    revokedAt: nullableTimestamp(row, 'revoked_at'),
  };
}
