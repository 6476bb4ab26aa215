/**
 * The part of the Store port that holds the vault: sealed credentials, pending OAuth
 * authorization requests, and the refresh lease that makes one OAuth refresh per credential at
 * a time across every process and node (ADR 0018).
 *
 * The store never sees a plaintext: `sealed` is the text of a sealed secret (`src/vault/`).
 * Listings return metadata only, never `sealed`; the one read that returns it,
 * `getSealedCredential`, is for the vault's own use.
 *
 * A credential belongs to a tenant and, for a per-user credential, to one end user of it;
 * `userId: null` is the tenant's own. Names are unique per tenant and user.
 */
export interface CredentialStore {
  /** Creates or replaces a credential. `created` says which. */
  putCredential(input: PutCredentialInput): Promise<{ record: CredentialRecord; created: boolean }>;
  /** The credential with its sealed value, or undefined. */
  getSealedCredential(key: CredentialKey): Promise<SealedCredential | undefined>;
  /** Metadata of a tenant's credentials, by user then name; `userId` narrows to one owner (`null`: the tenant's own). */
  listCredentials(query: { tenantId: string; userId?: string | null }): Promise<CredentialRecord[]>;
  /** Removes a credential; false when there was none. */
  deleteCredential(key: CredentialKey): Promise<boolean>;

  /**
   * Up to `limit` credentials, of every tenant, whose key version is not `keyVersion`, in a
   * stable order: what master key rotation re-wraps next.
   */
  listCredentialsToRewrap(query: { keyVersion: number; limit: number }): Promise<SealedCredential[]>;
  /**
   * Replaces a credential's sealed value with its re-wrapped form, only if it is still the
   * value that was re-wrapped (`expectedSealed`): a credential set or refreshed in the meantime
   * is left alone (it was sealed under the current key anyway). Metadata other than the key
   * version is unchanged. False when it was left alone.
   */
  rewrapCredential(input: CredentialKey & { expectedSealed: string; sealed: string; keyVersion: number }): Promise<boolean>;

  /**
   * Takes the refresh lease of a credential when nobody holds a live one, and returns the
   * credential as it stands once taken (another process may have refreshed it a moment ago).
   * Otherwise `acquired` is false and the credential is returned as it is, for the caller to
   * wait on. `credential` is undefined when there is no such credential.
   */
  acquireCredentialRefresh(
    input: CredentialKey & { owner: string; leaseMs: number; now: Date },
  ): Promise<{ acquired: boolean; credential: SealedCredential | undefined }>;
  /**
   * Ends the refresh lease `owner` holds: stores the refreshed value (`sealed` given), deletes
   * the credential (`remove`: the provider refused the refresh token for good), or only gives
   * the lease up. False, changing nothing, when `owner` no longer holds the lease.
   */
  finishCredentialRefresh(
    input: CredentialKey & { owner: string; now: Date } & (
        { sealed: string; keyVersion: number; expiresAt: Date | null } | { remove: true } | { release: true }
      ),
  ): Promise<boolean>;

  /** Remembers an authorization request until its callback (single-use, until `expiresAt`). */
  saveOAuthState(input: OAuthStateRecord): Promise<void>;
  /** Takes (and deletes) an authorization request by its state; undefined when unknown, used or expired. */
  takeOAuthState(state: string, now: Date): Promise<OAuthStateRecord | undefined>;
  /** Deletes expired authorization requests. Returns how many. */
  sweepOAuthStates(now: Date): Promise<number>;
}

export interface CredentialKey {
  tenantId: string;
  /** The end user; `null` for the tenant's own credential. */
  userId: string | null;
  name: string;
}

/** `secret`: a value set by an operator or an application; `oauth`: tokens from a user's OAuth connection. */
export type CredentialKind = 'secret' | 'oauth';

export interface PutCredentialInput extends CredentialKey {
  kind: CredentialKind;
  sealed: string;
  keyVersion: number;
  /** When an OAuth access token expires; null for secrets. */
  expiresAt: Date | null;
  /** Who set it: an API key id, `cli`, `oauth`, … (shown in listings). */
  actor: string;
  now: Date;
}

/** What listings show: never the value. */
export interface CredentialRecord {
  tenantId: string;
  userId: string | null;
  name: string;
  kind: CredentialKind;
  keyVersion: number;
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

export interface SealedCredential extends CredentialRecord {
  sealed: string;
  /** Who holds the refresh lease, while one is live or left by a process that died. */
  refreshOwner: string | null;
  refreshExpiresAt: string | null;
}

export interface OAuthStateRecord {
  state: string;
  tenantId: string;
  userId: string;
  provider: string;
  /** The sealed PKCE code verifier. */
  sealed: string;
  createdAt: Date;
  expiresAt: Date;
}
