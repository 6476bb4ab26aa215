import { KeelError } from '../errors/index.ts';
import { defineOAuthProvider, type OAuthProvider, type OAuthProviderConfig } from './oauth-provider.ts';
import { credentialNamePattern } from './credential-names.ts';

/**
 * An OAuth provider as `defineConfig({ oauth: { providers } })` takes it. The client secret is
 * never in the config: `clientSecretName` names the tenant secret that holds it (`keel secrets
 * set --tenant T NAME`), so each tenant registers its own client, and the secret lives sealed
 * in the vault like any other.
 */
export interface OAuthProviderSettings extends Omit<OAuthProviderConfig, 'clientSecret'> {
  /** The tenant secret holding the client secret; absent for a public client (PKCE only). */
  clientSecretName?: string | undefined;
}

export interface OAuthSettings {
  providers: OAuthProviderSettings[];
}

/**
 * Checks every provider once (`OAUTH_PROVIDER_INVALID` names the field) and returns them by
 * name, frozen. A provider's name is also the name of the credential its connections are
 * stored under, and what a tool declares in `credentials` to get the access token.
 *
 * @example
 * const providers = checkOAuthSettings({ providers: [{ name: 'shop', clientSecretName: 'shop-client-secret', … }] });
 */
export function checkOAuthSettings(settings: OAuthSettings | undefined): ReadonlyMap<string, OAuthProviderSettings> {
  const byName = new Map<string, OAuthProviderSettings>();
  if (settings === undefined) return byName;
  if (typeof settings !== 'object' || settings === null || !Array.isArray(settings.providers)) {
    throw new KeelError({ code: 'OAUTH_PROVIDER_INVALID', message: 'oauth must be { providers: [...] }' });
  }
  for (const entry of settings.providers) {
    const { clientSecretName, ...config } = entry;
    // Checked as a public client: the secret is only known per tenant, at use.
    const provider = defineOAuthProvider(config);
    if (!credentialNamePattern.test(provider.name)) {
      throw new KeelError({
        code: 'OAUTH_PROVIDER_INVALID',
        message: `OAuth provider "${provider.name}": its name is also a credential name, so it must start with a letter or digit`,
        details: { provider: provider.name },
      });
    }
    if (clientSecretName !== undefined && (typeof clientSecretName !== 'string' || !credentialNamePattern.test(clientSecretName))) {
      throw new KeelError({
        code: 'OAUTH_PROVIDER_INVALID',
        message: `OAuth provider "${provider.name}": clientSecretName must be a credential name (1-64 letters, digits, "_", "." or "-")`,
        details: { provider: provider.name },
      });
    }
    if (byName.has(provider.name)) throw new KeelError({ code: 'OAUTH_PROVIDER_INVALID', message: `Two OAuth providers are named "${provider.name}"` });
    byName.set(provider.name, Object.freeze({ ...entry, scopes: [...entry.scopes] }));
  }
  return byName;
}

/** The provider with a tenant's client secret, ready for the OAuth client. */
export function providerWithSecret(settings: OAuthProviderSettings, clientSecret: string | undefined): OAuthProvider {
  const { clientSecretName: _name, ...config } = settings;
  return defineOAuthProvider({ ...config, ...(clientSecret === undefined ? {} : { clientSecret }) });
}

/** Where an application sends its user to connect (or reconnect) a provider. */
export function connectPath(provider: string, userId: string): string {
  return `/v1/oauth/${encodeURIComponent(provider)}/start?userId=${encodeURIComponent(userId)}`;
}
