import type { Pool } from 'pg';
import type { CredentialKey, CredentialKind, CredentialRecord, CredentialStore, OAuthStateRecord, SealedCredential } from '../credential-store.ts';
import { ownerColumn, ownerOf } from '../credential-rules.ts';
import { execute, namedSql, query, queryOne, type Row } from './named-sql.ts';
import { guard } from './open-pool.ts';
import { integer, nullableText, nullableTimestamp, text, timestamp } from './rows.ts';

const metadata = 'tenant_id, user_id, name, kind, key_version, expires_at, created_at, updated_at, created_by, updated_by';
const sealedColumns = `${metadata}, sealed, refresh_owner, refresh_expires_at`;
const key = 'tenant_id = :tenant_id AND user_id = :user_id AND name = :name';

const credentialSql = {
  // xmax = 0 only on a freshly inserted row version: how an upsert tells insert from update.
  // A new value ends any refresh in flight: the refresher's finish then finds it lost its lease.
  put: namedSql(`
    INSERT INTO credentials AS stored (tenant_id, user_id, name, kind, sealed, key_version, expires_at, created_at, updated_at, created_by, updated_by)
    VALUES (:tenant_id, :user_id, :name, :kind, :sealed, :key_version::integer, :expires_at::timestamptz, :now::timestamptz, :now::timestamptz, :actor, :actor)
    ON CONFLICT (tenant_id, user_id, name) DO UPDATE SET
      kind = excluded.kind, sealed = excluded.sealed, key_version = excluded.key_version, expires_at = excluded.expires_at,
      updated_at = excluded.updated_at, updated_by = excluded.updated_by, refresh_owner = NULL, refresh_expires_at = NULL
    RETURNING ${metadata}, (xmax = 0) AS created`),
  get: namedSql(`SELECT ${sealedColumns} FROM credentials WHERE ${key}`),
  // Ties order by bytes, as SQLite does, whatever the database's collation.
  list: namedSql(`
    SELECT ${metadata} FROM credentials
    WHERE tenant_id = :tenant_id AND (:all_owners::boolean OR user_id = :user_id)
    ORDER BY user_id COLLATE "C", name COLLATE "C"`),
  delete: namedSql(`DELETE FROM credentials WHERE ${key}`),
  listToRewrap: namedSql(`
    SELECT ${sealedColumns} FROM credentials
    WHERE key_version < :key_version::integer OR key_version > :key_version::integer
    ORDER BY key_version, tenant_id COLLATE "C", user_id COLLATE "C", name COLLATE "C" LIMIT :limit::integer`),
  rewrap: namedSql(`UPDATE credentials SET sealed = :sealed, key_version = :key_version::integer WHERE ${key} AND sealed = :expected`),
  // One statement: the UPDATE's row lock decides the race, and the CTE returns the row as it
  // stands either way (the losers' read sees the snapshot, which is all they need to wait on).
  acquire: namedSql(`
    WITH taken AS (
      UPDATE credentials SET refresh_owner = :owner, refresh_expires_at = :expires_at::timestamptz
      WHERE ${key} AND (refresh_owner IS NULL OR refresh_expires_at <= :now::timestamptz)
      RETURNING ${sealedColumns})
    SELECT true AS acquired, * FROM taken
    UNION ALL
    SELECT false, ${sealedColumns} FROM credentials WHERE ${key} AND NOT EXISTS (SELECT 1 FROM taken)`),
  finishRefreshed: namedSql(`
    UPDATE credentials SET sealed = :sealed, key_version = :key_version::integer, expires_at = :expires_at::timestamptz,
      updated_at = :now::timestamptz, updated_by = 'oauth-refresh', refresh_owner = NULL, refresh_expires_at = NULL
    WHERE ${key} AND refresh_owner = :owner`),
  finishRemoved: namedSql(`DELETE FROM credentials WHERE ${key} AND refresh_owner = :owner`),
  finishReleased: namedSql(`UPDATE credentials SET refresh_owner = NULL, refresh_expires_at = NULL WHERE ${key} AND refresh_owner = :owner`),
  saveState: namedSql(`
    INSERT INTO oauth_states (state, tenant_id, user_id, provider, sealed, created_at, expires_at)
    VALUES (:state, :tenant_id, :user_id, :provider, :sealed, :created_at::timestamptz, :expires_at::timestamptz)`),
  takeState: namedSql('DELETE FROM oauth_states WHERE state = :state RETURNING state, tenant_id, user_id, provider, sealed, created_at, expires_at'),
  sweepStates: namedSql('DELETE FROM oauth_states WHERE expires_at <= :now::timestamptz'),
} as const;

/**
 * The PostgreSQL side of {@link CredentialStore}, spread into the PostgreSQL store. Every
 * method is one statement: the refresh lease is a column taken with a conditional UPDATE, so no
 * transaction (and no row lock) is held while a provider answers a refresh.
 *
 * @example
 * const store = { ...createPostgresCredentialStore(pool), ...otherMethods };
 */
export function createPostgresCredentialStore(pool: Pool): CredentialStore {
  const keyParameters = (credential: CredentialKey) => ({ tenant_id: credential.tenantId, user_id: ownerColumn(credential.userId), name: credential.name });
  return {
    putCredential: (input) =>
      guard(async () => {
        const row = await queryOne(pool, credentialSql.put, {
          ...keyParameters(input),
          kind: input.kind,
          sealed: input.sealed,
          key_version: input.keyVersion,
          expires_at: input.expiresAt?.toISOString() ?? null,
          now: input.now.toISOString(),
          actor: input.actor,
        });
        return { record: toRecord(row), created: row.created === true };
      }),
    getSealedCredential: (credential) =>
      guard(async () => {
        const [row] = await query(pool, credentialSql.get, keyParameters(credential));
        return row === undefined ? undefined : toSealed(row);
      }),
    listCredentials: (listQuery) =>
      guard(async () =>
        (
          await query(pool, credentialSql.list, {
            tenant_id: listQuery.tenantId,
            all_owners: listQuery.userId === undefined,
            user_id: ownerColumn(listQuery.userId ?? null),
          })
        ).map(toRecord),
      ),
    deleteCredential: (credential) => guard(async () => (await execute(pool, credentialSql.delete, keyParameters(credential))) > 0),
    listCredentialsToRewrap: (rewrapQuery) =>
      guard(async () => (await query(pool, credentialSql.listToRewrap, { key_version: rewrapQuery.keyVersion, limit: rewrapQuery.limit })).map(toSealed)),
    rewrapCredential: (input) =>
      guard(
        async () =>
          (await execute(pool, credentialSql.rewrap, {
            ...keyParameters(input),
            sealed: input.sealed,
            key_version: input.keyVersion,
            expected: input.expectedSealed,
          })) > 0,
      ),
    acquireCredentialRefresh: (input) =>
      guard(async () => {
        const [row] = await query(pool, credentialSql.acquire, {
          ...keyParameters(input),
          owner: input.owner,
          now: input.now.toISOString(),
          expires_at: new Date(input.now.getTime() + input.leaseMs).toISOString(),
        });
        if (row === undefined) return { acquired: false, credential: undefined };
        return { acquired: row.acquired === true, credential: toSealed(row) };
      }),
    finishCredentialRefresh: (input) =>
      guard(async () => {
        const base = { ...keyParameters(input), owner: input.owner };
        if ('sealed' in input) {
          const parameters = { ...base, sealed: input.sealed, key_version: input.keyVersion, expires_at: input.expiresAt?.toISOString() ?? null };
          return (await execute(pool, credentialSql.finishRefreshed, { ...parameters, now: input.now.toISOString() })) > 0;
        }
        if ('remove' in input) return (await execute(pool, credentialSql.finishRemoved, base)) > 0;
        return (await execute(pool, credentialSql.finishReleased, base)) > 0;
      }),
    saveOAuthState: (input) =>
      guard(async () => {
        await execute(pool, credentialSql.saveState, {
          state: input.state,
          tenant_id: input.tenantId,
          user_id: input.userId,
          provider: input.provider,
          sealed: input.sealed,
          created_at: input.createdAt.toISOString(),
          expires_at: input.expiresAt.toISOString(),
        });
      }),
    takeOAuthState: (state, now) =>
      guard(async () => {
        const [row] = await query(pool, credentialSql.takeState, { state });
        if (row === undefined) return undefined;
        const record = toState(row);
        // Taken either way: an expired request is as used up as a completed one.
        return record.expiresAt.getTime() > now.getTime() ? record : undefined;
      }),
    sweepOAuthStates: (now) => guard(async () => await execute(pool, credentialSql.sweepStates, { now: now.toISOString() })),
  };
}

function toRecord(row: Row): CredentialRecord {
  return {
    tenantId: text(row, 'tenant_id'),
    userId: ownerOf(text(row, 'user_id')),
    name: text(row, 'name'),
    // The CHECK constraint on `kind` keeps this cast honest.
    kind: text(row, 'kind') as CredentialKind,
    keyVersion: integer(row, 'key_version'),
    expiresAt: nullableTimestamp(row, 'expires_at'),
    createdAt: timestamp(row, 'created_at'),
    updatedAt: timestamp(row, 'updated_at'),
    createdBy: text(row, 'created_by'),
    updatedBy: text(row, 'updated_by'),
  };
}

function toSealed(row: Row): SealedCredential {
  return {
    ...toRecord(row),
    sealed: text(row, 'sealed'),
    refreshOwner: nullableText(row, 'refresh_owner'),
    refreshExpiresAt: nullableTimestamp(row, 'refresh_expires_at'),
  };
}

function toState(row: Row): OAuthStateRecord {
  return {
    state: text(row, 'state'),
    tenantId: text(row, 'tenant_id'),
    userId: text(row, 'user_id'),
    provider: text(row, 'provider'),
    sealed: text(row, 'sealed'),
    createdAt: new Date(timestamp(row, 'created_at')),
    expiresAt: new Date(timestamp(row, 'expires_at')),
  };
}
