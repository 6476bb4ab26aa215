/**
 * The vault's pure cores: envelope encryption under a versioned master keyring, the audit hash
 * chain and its verifier, and per-user OAuth 2.0 (authorization code with PKCE, refresh with
 * rotation). None of them touches the store; the store, routes and engine build on them.
 */
export { canonicalJson } from '../internal/canonical-json.ts';
export {
  auditContentOf,
  auditEntryHash,
  auditGenesisHash,
  nextAuditEntry,
  type AuditActor,
  type AuditChainLink,
  type AuditContent,
  type AuditEntry,
} from './audit-chain.ts';
export { openSecret, rewrapSecret, sealSecret } from './envelope.ts';
export {
  createMasterKeyring,
  generateMasterKey,
  masterKeyOfVersion,
  parseMasterKey,
  parseMasterKeyring,
  type MasterKey,
  type MasterKeyring,
} from './master-key.ts';
export {
  createAuthorizationRequest,
  exchangeAuthorizationCode,
  refreshAccessToken,
  type OAuthAuthorizationRequest,
  type OAuthTokens,
  type RefreshedOAuthTokens,
} from './oauth-client.ts';
export { defineOAuthProvider, type OAuthProvider, type OAuthProviderConfig } from './oauth-provider.ts';
export { serializeSealedSecret, type SealedSecret } from './sealed-secret.ts';
export type { SecretContext } from './secret-context.ts';
export {
  createAuditChainVerifier,
  verifyAuditChain,
  verifyAuditChainPages,
  type AuditChainProblem,
  type AuditChainResult,
  type AuditChainVerifier,
  type AuditChainVerifyOptions,
} from './verify-audit-chain.ts';
