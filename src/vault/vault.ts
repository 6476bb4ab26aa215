import { KeelError } from '../errors/index.ts';
import { createId } from '../internal/ids.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { BudgetStore } from '../store/budget-store.ts';
import type { CredentialKey, CredentialRecord, CredentialStore, SealedCredential } from '../store/credential-store.ts';
import type { AuditActor } from './audit-chain.ts';
import { recordAudit } from './audit-log.ts';
import { assertCredentialKey, assertSecretValue, credentialSubject } from './credential-names.ts';
import { deleteCredential } from './delete-credential.ts';
import { openSecret, sealSecret } from './envelope.ts';
import type { MasterKeyring } from './master-key.ts';
import { finishOAuthConnection, startOAuthConnection } from './oauth-connections.ts';
import { createOAuthRefresher } from './oauth-refresh.ts';
import { checkOAuthSettings, connectPath, type OAuthProviderSettings, type OAuthSettings } from './oauth-settings.ts';
import { serializeSealedSecret } from './sealed-secret.ts';

/** What the vault needs of the store. */
export type VaultStore = CredentialStore & Pick<AuditStore, 'appendAudit'> & Pick<BudgetStore, 'requeueWaiting'>;

export interface VaultOptions {
  store: VaultStore;
  keyring: MasterKeyring;
  /** OAuth providers from the config (`defineConfig({ oauth })`), checked here if not yet. */
  oauth?: OAuthSettings | ReadonlyMap<string, OAuthProviderSettings> | undefined;
  now?: () => Date;
  /** Identifies this process's refresh leases. Default: a random id. */
  owner?: string;
  /** A token this close to its expiry is refreshed before use. Default 60 s. */
  refreshSkewMs?: number;
  /** How long a refresh lease lasts: longer than the OAuth client's 10 s timeout. Default 30 s. */
  refreshLeaseMs?: number;
  /** How long an authorization request waits for its callback. Default 10 minutes. */
  authorizationTtlMs?: number;
  /** Decrypted values kept in memory (never on disk), each checked against its row on every use. Default 1024; 0 decrypts on every use. */
  cacheSize?: number;
}

export interface CredentialRequest {
  tenantId: string;
  userId: string;
  name: string;
  runId: string;
  toolName: string;
  callId: string;
}

export interface Vault {
  readonly keyring: MasterKeyring;
  readonly oauthProviders: ReadonlyMap<string, OAuthProviderSettings>;
  /**
   * Seals and stores a secret (per user, or the tenant's with `userId: null`), audits it, and
   * queues again the runs waiting for a credential that this may unblock.
   */
  setSecret(input: CredentialKey & { value: string; actor: AuditActor }): Promise<{ record: CredentialRecord; created: boolean; requeued: string[] }>;
  /** Deletes a credential (a secret or an OAuth connection) and audits it; false when there was none. */
  deleteSecret(input: CredentialKey & { actor: AuditActor }): Promise<boolean>;
  /** Names and metadata, never values. */
  listSecrets(query: { tenantId: string; userId?: string | null }): Promise<CredentialRecord[]>;
  /**
   * The value a tool gets for `ctx.credential(name)`: the user's, else the tenant's; for an OAuth
   * connection its access token, refreshed first when it has expired (one refresh across every
   * process for any number of concurrent calls). Each use is audited. Throws
   * `CREDENTIAL_MISSING` (with what the user must connect) when there is none.
   */
  resolveCredential(request: CredentialRequest): Promise<string>;
  /** Starts a user's connection to a provider: the authorization URL (state and PKCE kept in the store). */
  startOAuth(input: { tenantId: string; userId: string; provider: string }): Promise<{ url: string; expiresAt: string }>;
  /** Completes a connection from the provider's callback: exchanges the code and stores the tokens as the user's credential. */
  finishOAuth(input: {
    provider: string;
    callback: URL | URLSearchParams;
  }): Promise<{ tenantId: string; userId: string; provider: string; requeued: string[] }>;
}

/**
 * The vault over the store: sealed secrets per tenant and per user, their use by tools, and
 * per-user OAuth connections. Plaintexts exist only in this process's memory: a small cache of
 * decrypted values, each reused only while its row still holds the very sealed text it came
 * from, so a change or deletion on any node takes effect at the next use.
 *
 * @example
 * const vault = createVault({ store, keyring: parseMasterKeyring(process.env.KEEL_MASTER_KEY) });
 * await vault.setSecret({ tenantId: 'acme', userId: 'alice', name: 'shop', value: 'sk_live_…', actor: cliActor });
 */
export function createVault(options: VaultOptions): Vault {
  const { store, keyring } = options;
  const now = options.now ?? (() => new Date());
  const providers =
    options.oauth instanceof Map
      ? (options.oauth as ReadonlyMap<string, OAuthProviderSettings>)
      : checkOAuthSettings(options.oauth as OAuthSettings | undefined);
  const cacheSize = options.cacheSize ?? 1024;
  const cache = new Map<string, { sealed: string; value: string }>();

  /** The plaintext of a row, decrypted at most once per sealed text. */
  function open(row: SealedCredential): string {
    const cacheKey = JSON.stringify([row.tenantId, row.userId, row.name]);
    const hit = cache.get(cacheKey);
    if (hit !== undefined && hit.sealed === row.sealed) {
      // Most recently used last: Map keeps insertion order, so the first key is the oldest.
      cache.delete(cacheKey);
      cache.set(cacheKey, hit);
      return hit.value;
    }
    const value = openSecret({ keyring, context: { tenant: row.tenantId, user: row.userId, name: row.name }, sealed: row.sealed });
    cache.delete(cacheKey);
    if (cacheSize === 0) return value;
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
    cache.set(cacheKey, { sealed: row.sealed, value });
    return value;
  }

  const seal = (key: CredentialKey, plaintext: string) =>
    serializeSealedSecret(sealSecret({ keyring, context: { tenant: key.tenantId, user: key.userId, name: key.name }, plaintext }));

  /** A tenant secret for Keel's own use (an OAuth client secret), or CREDENTIAL_MISSING naming it. */
  async function tenantSecret(tenantId: string, name: string, neededFor: string): Promise<string> {
    const row = await store.getSealedCredential({ tenantId, userId: null, name });
    if (row === undefined || row.kind !== 'secret') {
      throw new KeelError({
        code: 'CREDENTIAL_MISSING',
        message: `The tenant secret "${name}" (${neededFor}) is not set`,
        details: { credential: name, scope: 'tenant', tenantId },
      });
    }
    return open(row);
  }

  const refresher = createOAuthRefresher({
    store,
    keyring,
    providers,
    owner: options.owner ?? createId('vault'),
    now,
    skewMs: options.refreshSkewMs ?? 60_000,
    leaseMs: options.refreshLeaseMs ?? 30_000,
    tenantSecret,
    seal,
    open,
  });

  async function requeueFor(key: CredentialKey): Promise<string[]> {
    return await store.requeueWaiting(key.tenantId, 'credential', key.userId === null ? {} : { userId: key.userId });
  }

  return {
    keyring,
    oauthProviders: providers,
    async setSecret(input) {
      const key = { tenantId: input.tenantId, userId: input.userId, name: input.name };
      assertCredentialKey(key);
      assertSecretValue(input.value);
      const { record, created } = await store.putCredential({
        ...key,
        kind: 'secret',
        sealed: seal(key, input.value),
        keyVersion: keyring.current.version,
        expiresAt: null,
        actor: input.actor.id,
        now: now(),
      });
      await recordAudit(store, {
        tenantId: key.tenantId,
        actor: input.actor,
        action: created ? 'credential.create' : 'credential.update',
        subject: credentialSubject(key),
        details: { name: key.name, userId: key.userId, kind: 'secret', keyVersion: record.keyVersion },
        now,
      });
      return { record, created, requeued: await requeueFor(key) };
    },
    deleteSecret: (input) => deleteCredential({ store, key: { tenantId: input.tenantId, userId: input.userId, name: input.name }, actor: input.actor, now }),
    listSecrets: (query) => store.listCredentials(query),
    async resolveCredential(request) {
      const userKey = { tenantId: request.tenantId, userId: request.userId, name: request.name };
      let row = await store.getSealedCredential(userKey);
      let owner: 'user' | 'tenant' = 'user';
      if (row === undefined) {
        row = await store.getSealedCredential({ ...userKey, userId: null });
        owner = 'tenant';
      }
      const provider = providers.get(request.name);
      if (row === undefined) {
        throw new KeelError({
          code: 'CREDENTIAL_MISSING',
          message:
            provider === undefined
              ? `The credential "${request.name}" is set neither for user "${request.userId}" nor for the tenant`
              : `User "${request.userId}" has not connected "${request.name}"`,
          details: {
            credential: request.name,
            userId: request.userId,
            ...(provider === undefined ? { scope: 'user-or-tenant' } : { provider: request.name, connectPath: connectPath(request.name, request.userId) }),
          },
        });
      }
      const value = row.kind === 'oauth' ? await refresher.accessToken(row, request.userId) : open(row);
      await recordAudit(store, {
        tenantId: request.tenantId,
        actor: { kind: 'user', id: request.userId },
        action: 'credential.use',
        subject: credentialSubject({ userId: row.userId, name: row.name }),
        details: { name: row.name, owner, runId: request.runId, tool: request.toolName, callId: request.callId },
        now,
      });
      return value;
    },
    startOAuth: (input) => startOAuthConnection({ store, keyring, providers, now, ttlMs: options.authorizationTtlMs ?? 600_000, ...input }),
    async finishOAuth(input) {
      const connected = await finishOAuthConnection({ store, keyring, providers, now, seal, tenantSecret, ...input });
      return { ...connected, requeued: await requeueFor({ tenantId: connected.tenantId, userId: connected.userId, name: connected.provider }) };
    },
  };
}
