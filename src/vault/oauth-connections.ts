import { KeelError } from '../errors/index.ts';
import { assertIdentifier } from '../internal/text-rules.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { CredentialKey, CredentialStore } from '../store/credential-store.ts';
import { recordAudit } from './audit-log.ts';
import { credentialSubject } from './credential-names.ts';
import { openSecret, sealSecret } from './envelope.ts';
import type { MasterKeyring } from './master-key.ts';
import { createAuthorizationRequest, exchangeAuthorizationCode } from './oauth-client.ts';
import { providerWithSecret, type OAuthProviderSettings } from './oauth-settings.ts';
import { serializeSealedSecret } from './sealed-secret.ts';

interface ConnectionContext {
  store: CredentialStore & Pick<AuditStore, 'appendAudit'>;
  keyring: MasterKeyring;
  providers: ReadonlyMap<string, OAuthProviderSettings>;
  now: () => Date;
}

function providerNamed(providers: ReadonlyMap<string, OAuthProviderSettings>, name: string): OAuthProviderSettings {
  const settings = providers.get(name);
  if (settings === undefined) {
    throw new KeelError({
      code: 'OAUTH_PROVIDER_NOT_FOUND',
      message: `No OAuth provider "${name}". Configured: ${[...providers.keys()].join(', ') || 'none'}`,
      details: { provider: name },
    });
  }
  return settings;
}

/** The PKCE verifier is sealed like any secret, bound to its request's state. */
const verifierContext = (record: { tenantId: string; userId: string; provider: string; state: string }) => ({
  tenant: record.tenantId,
  user: record.userId,
  name: `oauth-request/${record.provider}/${record.state}`,
});

/**
 * Starts a user's connection: an authorization URL with state and PKCE S256. The state and the
 * sealed code verifier are kept in the store (any node may receive the callback) until the
 * callback or the expiry, whichever comes first.
 *
 * @example
 * const { url } = await startOAuthConnection({ store, keyring, providers, now, ttlMs: 600_000, tenantId: 'acme', userId: 'alice', provider: 'shop' });
 */
export async function startOAuthConnection(
  options: ConnectionContext & { ttlMs: number; tenantId: string; userId: string; provider: string },
): Promise<{ url: string; expiresAt: string }> {
  const settings = providerNamed(options.providers, options.provider);
  assertIdentifier(options.userId, 'userId');
  // The authorization URL carries no client secret: a public view of the provider will do.
  const request = await createAuthorizationRequest({ provider: providerWithSecret(settings, undefined) });
  const createdAt = options.now();
  const expiresAt = new Date(createdAt.getTime() + options.ttlMs);
  const record = { state: request.state, tenantId: options.tenantId, userId: options.userId, provider: settings.name };
  const sealed = serializeSealedSecret(sealSecret({ keyring: options.keyring, context: verifierContext(record), plaintext: request.codeVerifier }));
  await options.store.saveOAuthState({ ...record, sealed, createdAt, expiresAt });
  return { url: request.url, expiresAt: expiresAt.toISOString() };
}

/**
 * Completes a connection from the provider's redirect: takes the authorization request its
 * state names (single use), exchanges the code with the PKCE verifier and the tenant's client
 * secret, and stores the tokens as the user's credential named after the provider. Audited as
 * `oauth.connect`.
 */
export async function finishOAuthConnection(
  options: ConnectionContext & {
    provider: string;
    callback: URL | URLSearchParams;
    seal(key: CredentialKey, plaintext: string): string;
    tenantSecret(tenantId: string, name: string, neededFor: string): Promise<string>;
  },
): Promise<{ tenantId: string; userId: string; provider: string }> {
  const settings = providerNamed(options.providers, options.provider);
  const parameters = options.callback instanceof URL ? options.callback.searchParams : options.callback;
  const state = parameters.get('state');
  const invalid = (message: string) =>
    new KeelError({ code: 'OAUTH_CALLBACK_INVALID', message: `The "${settings.name}" callback ${message}`, details: { provider: settings.name } });
  if (state === null || state === '') throw invalid('carries no state.');
  const record = await options.store.takeOAuthState(state, options.now());
  if (record === undefined)
    throw invalid('does not belong to a pending authorization request (unknown, already used, or expired): start the connection again.');
  if (record.provider !== settings.name) throw invalid('belongs to a request for another provider.');
  const codeVerifier = openSecret({ keyring: options.keyring, context: verifierContext(record), sealed: record.sealed });
  const clientSecret =
    settings.clientSecretName === undefined
      ? undefined
      : await options.tenantSecret(record.tenantId, settings.clientSecretName, `the client secret of OAuth provider "${settings.name}"`);
  const tokens = await exchangeAuthorizationCode({
    provider: providerWithSecret(settings, clientSecret),
    callback: parameters,
    state: record.state,
    codeVerifier,
    now: () => options.now().getTime(),
  });
  const key = { tenantId: record.tenantId, userId: record.userId, name: settings.name };
  const value = JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, tokenType: tokens.tokenType, scopes: tokens.scopes });
  const { created } = await options.store.putCredential({
    ...key,
    kind: 'oauth',
    sealed: options.seal(key, value),
    keyVersion: options.keyring.current.version,
    expiresAt: tokens.expiresAt === undefined ? null : new Date(tokens.expiresAt),
    actor: 'oauth',
    now: options.now(),
  });
  await recordAudit(options.store, {
    tenantId: key.tenantId,
    actor: { kind: 'user', id: record.userId },
    action: 'oauth.connect',
    subject: credentialSubject(key),
    details: { provider: settings.name, userId: record.userId, reconnected: !created, scopes: tokens.scopes ?? [...settings.scopes] },
    now: options.now,
  });
  return { tenantId: record.tenantId, userId: record.userId, provider: settings.name };
}
