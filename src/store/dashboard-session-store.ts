import type { ApiKeyRole } from './api-key-store.ts';

/**
 * The part of the Store port that holds dashboard sign-ins (docs/adr/0023). The browser keeps a
 * random token in its cookie; only the token's SHA-256 is stored, with the key the person
 * signed in with. A sign-in is found together with that key's current state, so a revoked key
 * ends its sign-ins on their next request, on every node.
 */
export interface DashboardSessionStore {
  createDashboardSession(input: NewDashboardSession): Promise<void>;
  /**
   * The sign-in whose token hashes to `tokenHash`, if it has not expired at `now` and its key
   * still exists. The key's `revokedAt` is returned for the caller to refuse.
   */
  findDashboardSession(tokenHash: string, now: Date): Promise<DashboardSessionRecord | undefined>;
  /** Ends a sign-in (signing out). False when there was none. */
  deleteDashboardSession(tokenHash: string): Promise<boolean>;
  /** Deletes the sign-ins expired at `now`; returns how many (a periodic sweep). */
  deleteExpiredDashboardSessions(now: Date): Promise<number>;
}

export interface NewDashboardSession {
  /** Hex SHA-256 of the cookie's token. */
  tokenHash: string;
  keyId: string;
  tenantId: string;
  now: Date;
  expiresAt: Date;
}

export interface DashboardSessionRecord {
  keyId: string;
  tenantId: string;
  /** The key's role, read from the key on each lookup. */
  role: ApiKeyRole;
  /** The key's revocation time, when it has been revoked. */
  keyRevokedAt: string | null;
  createdAt: string;
  expiresAt: string;
}
