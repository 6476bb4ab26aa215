/**
 * The part of the Store port that holds API keys. Only a SHA-256 hash of a key's secret is ever
 * stored: a key is shown once, when it is created, and cannot be recovered from the database.
 */
export interface ApiKeyStore {
  createApiKey(input: NewApiKey): Promise<ApiKeyRecord>;
  /**
   * The key whose secret hashes to `keyHash`, in any tenant: this is how a request learns its
   * tenant. Revoked keys are returned too, with `revokedAt` set, so the caller can tell them
   * apart from unknown ones in its logs.
   */
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /**
   * Keys oldest first; one tenant's, or every tenant's when `tenantId` is absent (operators only).
   * Keys created at the same instant list in the order they were created.
   */
  listApiKeys(query?: { tenantId?: string }): Promise<ApiKeyRecord[]>;
  /**
   * Revokes a key (idempotent: an already revoked key keeps its first `revokedAt`). Undefined
   * when no such key exists in `tenantId` (in any tenant when absent).
   */
  revokeApiKey(id: string, options: { tenantId?: string; now: Date }): Promise<ApiKeyRecord | undefined>;
}

/** What a key may do is decided by its role; see docs/permissions.md. */
export const apiKeyRoles = ['admin', 'app', 'reviewer', 'viewer'] as const;
export type ApiKeyRole = (typeof apiKeyRoles)[number];

export interface NewApiKey {
  id: string;
  tenantId: string;
  name: string;
  role: ApiKeyRole;
  /** Hex SHA-256 of the whole key (`keel_…`). */
  keyHash: string;
  /** The first characters of the key, kept to recognise it in listings. */
  prefix: string;
  now: Date;
}

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}
