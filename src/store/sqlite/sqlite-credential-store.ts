import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { CredentialKey, CredentialKind, CredentialRecord, CredentialStore, OAuthStateRecord, SealedCredential } from '../credential-store.ts';
import { ownerColumn, ownerOf } from '../credential-rules.ts';
import { toStoreError } from './open-database.ts';
import { integer, nullableText, text, type Row } from './rows.ts';

const metadata = 'tenant_id, user_id, name, kind, key_version, expires_at, created_at, updated_at, created_by, updated_by';
const sealedColumns = `${metadata}, sealed, refresh_owner, refresh_expires_at`;
const key = 'tenant_id = :tenant_id AND user_id = :user_id AND name = :name';

const sql = {
  exists: `SELECT 1 AS found FROM credentials WHERE ${key}`,
  // A new value ends any refresh in flight: the refresher's finish then finds it lost its lease.
  put: `
    INSERT INTO credentials (tenant_id, user_id, name, kind, sealed, key_version, expires_at, created_at, updated_at, created_by, updated_by)
    VALUES (:tenant_id, :user_id, :name, :kind, :sealed, :key_version, :expires_at, :now, :now, :actor, :actor)
    ON CONFLICT (tenant_id, user_id, name) DO UPDATE SET
      kind = excluded.kind, sealed = excluded.sealed, key_version = excluded.key_version, expires_at = excluded.expires_at,
      updated_at = excluded.updated_at, updated_by = excluded.updated_by, refresh_owner = NULL, refresh_expires_at = NULL
    RETURNING ${metadata}`,
  get: `SELECT ${sealedColumns} FROM credentials WHERE ${key}`,
  list: `
    SELECT ${metadata} FROM credentials
    WHERE tenant_id = :tenant_id AND (:all_owners = 1 OR user_id = :user_id)
    ORDER BY user_id, name`,
  delete: `DELETE FROM credentials WHERE ${key}`,
  // Two ranges rather than "<>", so the key_version index serves them.
  listToRewrap: `
    SELECT ${sealedColumns} FROM credentials
    WHERE key_version < :key_version OR key_version > :key_version
    ORDER BY key_version, tenant_id, user_id, name LIMIT :limit`,
  rewrap: `UPDATE credentials SET sealed = :sealed, key_version = :key_version WHERE ${key} AND sealed = :expected`,
  acquire: `
    UPDATE credentials SET refresh_owner = :owner, refresh_expires_at = :expires_at
    WHERE ${key} AND (refresh_owner IS NULL OR refresh_expires_at <= :now)
    RETURNING ${sealedColumns}`,
  finishRefreshed: `
    UPDATE credentials SET sealed = :sealed, key_version = :key_version, expires_at = :expires_at, updated_at = :now,
      updated_by = 'oauth-refresh', refresh_owner = NULL, refresh_expires_at = NULL
    WHERE ${key} AND refresh_owner = :owner`,
  finishRemoved: `DELETE FROM credentials WHERE ${key} AND refresh_owner = :owner`,
  finishReleased: `UPDATE credentials SET refresh_owner = NULL, refresh_expires_at = NULL WHERE ${key} AND refresh_owner = :owner`,
  saveState: `
    INSERT INTO oauth_states (state, tenant_id, user_id, provider, sealed, created_at, expires_at)
    VALUES (:state, :tenant_id, :user_id, :provider, :sealed, :created_at, :expires_at)`,
  takeState: 'DELETE FROM oauth_states WHERE state = ? RETURNING state, tenant_id, user_id, provider, sealed, created_at, expires_at',
  sweepStates: 'DELETE FROM oauth_states WHERE expires_at <= ?',
} as const;

type Statements = Record<keyof typeof sql, StatementSync>;

/**
 * The SQLite side of {@link CredentialStore}, spread into the SQLite store. Every write is one
 * statement or a short `BEGIN IMMEDIATE` transaction; nothing here is held while a provider
 * answers (the refresh lease is a column, not a lock).
 *
 * @example
 * const store = { ...createSqliteCredentialStore(db, transaction, () => void statements()), ...otherMethods };
 */
export function createSqliteCredentialStore(db: DatabaseSync, transaction: <T>(work: () => T) => T, ensureMigrated: () => void): CredentialStore {
  let prepared: Statements | undefined;
  const statements = (): Statements => {
    if (prepared !== undefined) return prepared;
    ensureMigrated();
    prepared = Object.fromEntries(Object.entries(sql).map(([name, query]) => [name, db.prepare(query)])) as Statements;
    return prepared;
  };
  const keyParameters = (credential: CredentialKey) => ({ tenant_id: credential.tenantId, user_id: ownerColumn(credential.userId), name: credential.name });

  return {
    putCredential: (input) =>
      guard(() =>
        transaction(() => {
          const s = statements();
          const existed = s.exists.get(keyParameters(input)) !== undefined;
          const row = s.put.get({
            ...keyParameters(input),
            kind: input.kind,
            sealed: input.sealed,
            key_version: input.keyVersion,
            expires_at: input.expiresAt?.toISOString() ?? null,
            now: input.now.toISOString(),
            actor: input.actor,
          });
          return { record: toRecord(required(row)), created: !existed };
        }),
      ),
    getSealedCredential: (credential) => guard(() => optionalSealed(statements().get.get(keyParameters(credential)))),
    listCredentials: (query) =>
      guard(() =>
        statements()
          .list.all({ tenant_id: query.tenantId, all_owners: query.userId === undefined ? 1 : 0, user_id: ownerColumn(query.userId ?? null) })
          .map(toRecord),
      ),
    deleteCredential: (credential) => guard(() => Number(statements().delete.run(keyParameters(credential)).changes) > 0),
    listCredentialsToRewrap: (query) => guard(() => statements().listToRewrap.all({ key_version: query.keyVersion, limit: query.limit }).map(toSealed)),
    rewrapCredential: (input) =>
      guard(
        () =>
          Number(
            statements().rewrap.run({ ...keyParameters(input), sealed: input.sealed, key_version: input.keyVersion, expected: input.expectedSealed }).changes,
          ) > 0,
      ),
    acquireCredentialRefresh: (input) =>
      guard(() =>
        transaction(() => {
          const s = statements();
          const taken = s.acquire.get({
            ...keyParameters(input),
            owner: input.owner,
            now: input.now.toISOString(),
            expires_at: new Date(input.now.getTime() + input.leaseMs).toISOString(),
          });
          if (taken !== undefined) return { acquired: true, credential: toSealed(taken) };
          return { acquired: false, credential: optionalSealed(s.get.get(keyParameters(input))) };
        }),
      ),
    finishCredentialRefresh: (input) =>
      guard(() => {
        const s = statements();
        const base = { ...keyParameters(input), owner: input.owner };
        if ('sealed' in input) {
          const parameters = { ...base, sealed: input.sealed, key_version: input.keyVersion, expires_at: input.expiresAt?.toISOString() ?? null };
          return Number(s.finishRefreshed.run({ ...parameters, now: input.now.toISOString() }).changes) > 0;
        }
        if ('remove' in input) return Number(s.finishRemoved.run(base).changes) > 0;
        return Number(s.finishReleased.run(base).changes) > 0;
      }),
    saveOAuthState: (input) =>
      guard(() => {
        statements().saveState.run({
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
      guard(() => {
        const row = statements().takeState.get(state);
        if (row === undefined) return undefined;
        const record = toState(row);
        // Taken either way: an expired request is as used up as a completed one.
        return record.expiresAt.getTime() > now.getTime() ? record : undefined;
      }),
    sweepOAuthStates: (now) => guard(() => Number(statements().sweepStates.run(now.toISOString()).changes)),
  };
}

function guard<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}

function required(row: Row | undefined): Row {
  if (row === undefined) throw new Error('A credential write returned no row');
  return row;
}

function toRecord(row: Row): CredentialRecord {
  return {
    tenantId: text(row, 'tenant_id'),
    userId: ownerOf(text(row, 'user_id')),
    name: text(row, 'name'),
    // The CHECK constraint on `kind` keeps this cast honest.
    kind: text(row, 'kind') as CredentialKind,
    keyVersion: integer(row, 'key_version'),
    expiresAt: nullableText(row, 'expires_at'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
    createdBy: text(row, 'created_by'),
    updatedBy: text(row, 'updated_by'),
  };
}

function toSealed(row: Row): SealedCredential {
  return {
    ...toRecord(row),
    sealed: text(row, 'sealed'),
    refreshOwner: nullableText(row, 'refresh_owner'),
    refreshExpiresAt: nullableText(row, 'refresh_expires_at'),
  };
}

function optionalSealed(row: Row | undefined): SealedCredential | undefined {
  return row === undefined ? undefined : toSealed(row);
}

function toState(row: Row): OAuthStateRecord {
  return {
    state: text(row, 'state'),
    tenantId: text(row, 'tenant_id'),
    userId: text(row, 'user_id'),
    provider: text(row, 'provider'),
    sealed: text(row, 'sealed'),
    createdAt: new Date(text(row, 'created_at')),
    expiresAt: new Date(text(row, 'expires_at')),
  };
}
