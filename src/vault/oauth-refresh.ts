import { KeelError, toKeelError } from '../errors/index.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { CredentialKey, CredentialStore, SealedCredential } from '../store/credential-store.ts';
import { recordAudit, systemActor } from './audit-log.ts';
import { credentialSubject } from './credential-names.ts';
import type { MasterKeyring } from './master-key.ts';
import { refreshAccessToken } from './oauth-client.ts';
import { connectPath, providerWithSecret, type OAuthProviderSettings } from './oauth-settings.ts';

/*
 * Single-flight OAuth refresh (ADR 0018). A refresh may rotate the refresh token, and a retired
 * refresh token answers invalid_grant: two refreshes of one credential at once would leave the
 * user disconnected. So every refresh of a credential, on every process and node, goes through
 * its lease in the store:
 *
 * 1. in this process, concurrent calls for one credential share one flight (a promise);
 * 2. the flight takes the credential's refresh lease (a conditional UPDATE, one statement: no
 *    transaction and no lock is held while the provider answers, so SQLite writers and
 *    PostgreSQL connections are never kept waiting on a network call);
 * 3. whoever holds the lease re-reads the row it got with the lease: if another process
 *    refreshed it meanwhile, there is nothing to do; otherwise it refreshes and stores the new
 *    tokens and the rotated refresh token in the same statement that ends its lease, fenced by
 *    the lease (a credential set anew meanwhile is left alone);
 * 4. everyone else polls the row until the lease is gone, then uses what the holder stored.
 *
 * The lease (30 s) outlasts the OAuth client's timeout (10 s), so a holder that is merely slow
 * is never overtaken; one that died is taken over when its lease expires.
 */

/** What an OAuth credential's sealed value holds (the expiry is a column: it is not secret). */
export interface StoredOAuthTokens {
  accessToken: string;
  refreshToken?: string | undefined;
  tokenType: string;
  scopes?: string[] | undefined;
}

/** Reads an OAuth credential's decrypted value. */
export function openOAuthTokens(plaintext: string): StoredOAuthTokens {
  const tokens = JSON.parse(plaintext) as Partial<StoredOAuthTokens>;
  if (typeof tokens.accessToken !== 'string' || tokens.accessToken === '') {
    throw new KeelError({ code: 'VAULT_DECRYPT_FAILED', message: 'An OAuth credential does not hold an access token' });
  }
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, tokenType: tokens.tokenType ?? 'bearer', scopes: tokens.scopes };
}

export interface OAuthRefresherOptions {
  store: CredentialStore & Pick<AuditStore, 'appendAudit'>;
  keyring: MasterKeyring;
  providers: ReadonlyMap<string, OAuthProviderSettings>;
  owner: string;
  now: () => Date;
  skewMs: number;
  leaseMs: number;
  tenantSecret(tenantId: string, name: string, neededFor: string): Promise<string>;
  seal(key: CredentialKey, plaintext: string): string;
  open(row: SealedCredential): string;
}

export interface OAuthRefresher {
  /** The credential's access token, refreshed first if it is (nearly) expired. */
  accessToken(row: SealedCredential, requestingUser: string): Promise<string>;
}

export function createOAuthRefresher(options: OAuthRefresherOptions): OAuthRefresher {
  const { store, now, owner } = options;
  const flights = new Map<string, Promise<string>>();

  const needsRefresh = (row: SealedCredential) => row.expiresAt !== null && Date.parse(row.expiresAt) - options.skewMs <= now().getTime();

  const reconnect = (key: CredentialKey, requestingUser: string, reason: string) =>
    new KeelError({
      code: 'CREDENTIAL_MISSING',
      message: `User "${requestingUser}" must connect "${key.name}" again: ${reason}`,
      details: { credential: key.name, userId: requestingUser, provider: key.name, reason: 'reconnect', connectPath: connectPath(key.name, requestingUser) },
    });

  async function refreshHeld(row: SealedCredential, key: CredentialKey, settings: OAuthProviderSettings, requestingUser: string): Promise<string> {
    const finish = async (end: { remove: true } | { release: true }) => {
      await store.finishCredentialRefresh({ ...key, owner, now: now(), ...end }).catch(() => false);
    };
    const tokens = openOAuthTokens(options.open(row));
    if (tokens.refreshToken === undefined) {
      await finish({ remove: true });
      throw reconnect(key, requestingUser, 'the access token expired and the provider issued no refresh token');
    }
    let refreshed;
    try {
      const clientSecret =
        settings.clientSecretName === undefined
          ? undefined
          : await options.tenantSecret(key.tenantId, settings.clientSecretName, `the client secret of OAuth provider "${key.name}"`);
      refreshed = await refreshAccessToken({
        provider: providerWithSecret(settings, clientSecret),
        refreshToken: tokens.refreshToken,
        now: () => now().getTime(),
      });
    } catch (thrown) {
      const error = toKeelError(thrown);
      if (error.code !== 'OAUTH_INVALID_GRANT') {
        await finish({ release: true });
        throw error;
      }
      // Refused for good (revoked, expired, already used): the connection is dead. Deleting it
      // makes every later call park at once instead of asking the provider again.
      await finish({ remove: true });
      await recordAudit(store, {
        tenantId: key.tenantId,
        actor: systemActor,
        action: 'oauth.revoked',
        subject: credentialSubject(key),
        details: { provider: key.name, userId: key.userId },
        now,
      });
      throw reconnect(key, requestingUser, 'the provider no longer accepts its refresh token');
    }
    const value = JSON.stringify({
      accessToken: refreshed.accessToken,
      refreshToken: refreshed.refreshToken,
      tokenType: refreshed.tokenType,
      scopes: refreshed.scopes ?? tokens.scopes,
    });
    const stored = await store.finishCredentialRefresh({
      ...key,
      owner,
      now: now(),
      sealed: options.seal(key, value),
      keyVersion: options.keyring.current.version,
      expiresAt: refreshed.expiresAt === undefined ? null : new Date(refreshed.expiresAt),
    });
    await recordAudit(store, {
      tenantId: key.tenantId,
      actor: systemActor,
      action: 'oauth.refresh',
      subject: credentialSubject(key),
      details: { provider: key.name, userId: key.userId, rotated: refreshed.rotated, stored },
      now,
    });
    // Not stored: the credential was set anew meanwhile (the user reconnected), which wins; the
    // token in hand is still valid for this call.
    return refreshed.accessToken;
  }

  async function flight(initial: SealedCredential, requestingUser: string): Promise<string> {
    const key = { tenantId: initial.tenantId, userId: initial.userId, name: initial.name };
    const settings = options.providers.get(key.name);
    if (settings === undefined) {
      throw new KeelError({
        code: 'OAUTH_PROVIDER_NOT_FOUND',
        message: `The OAuth connection "${key.name}" expired and no OAuth provider "${key.name}" is configured to refresh it`,
        details: { provider: key.name },
      });
    }
    let pollMs = 20;
    for (;;) {
      const { acquired, credential } = await store.acquireCredentialRefresh({ ...key, owner, leaseMs: options.leaseMs, now: now() });
      if (credential === undefined || credential.kind !== 'oauth') throw reconnect(key, requestingUser, 'the connection was removed');
      if (!needsRefresh(credential)) {
        if (acquired) await store.finishCredentialRefresh({ ...key, owner, now: now(), release: true });
        return openOAuthTokens(options.open(credential)).accessToken;
      }
      if (acquired) return await refreshHeld(credential, key, settings, requestingUser);
      // Another process is refreshing: wait for it to store the result (or for its lease to expire).
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      pollMs = Math.min(pollMs * 2, 250);
    }
  }

  return {
    async accessToken(row, requestingUser) {
      if (!needsRefresh(row)) return openOAuthTokens(options.open(row)).accessToken;
      const flightKey = JSON.stringify([row.tenantId, row.userId, row.name]);
      let current = flights.get(flightKey);
      if (current === undefined) {
        current = flight(row, requestingUser).finally(() => flights.delete(flightKey));
        flights.set(flightKey, current);
      }
      return await current;
    },
  };
}
