import { describe, expect, it } from 'vitest';
import { KeelError } from '../errors/index.ts';
import { defineOAuthProvider, type OAuthProviderConfig } from './oauth-provider.ts';

const valid: OAuthProviderConfig = {
  name: 'shop',
  authorizationEndpoint: 'https://shop.example/oauth/authorize',
  tokenEndpoint: 'https://shop.example/oauth/token',
  clientId: 'client-1',
  clientSecret: 'cs_live_do-not-print-me',
  scopes: ['orders.read'],
  redirectUri: 'https://keel.example/v1/oauth/shop/callback',
};

function failure(run: () => unknown): KeelError {
  try {
    run();
  } catch (error) {
    if (KeelError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the call to throw');
}

describe('defineOAuthProvider', () => {
  it('fills in the defaults and freezes the result', () => {
    const provider = defineOAuthProvider(valid);
    expect(provider).toMatchObject({
      kind: 'keel.oauth-provider',
      clientAuthentication: 'client_secret_basic',
      issuer: 'https://shop.example',
      allowInsecureRequests: false,
      authorizationParameters: {},
    });
    expect(Object.isFrozen(provider)).toBe(true);
    expect(defineOAuthProvider(provider)).toBe(provider);
  });

  it('refuses every invalid field with OAUTH_PROVIDER_INVALID, naming the field and never the client secret', () => {
    const cases: [Partial<OAuthProviderConfig>, string][] = [
      [{ name: 'my shop' }, 'name must be'],
      [{ authorizationEndpoint: 'shop.example/authorize' }, 'authorizationEndpoint must be an absolute URL'],
      [{ tokenEndpoint: 'http://shop.example/token' }, 'tokenEndpoint must be an https: URL'],
      [{ tokenEndpoint: 'ftp://shop.example/token', allowInsecureRequests: true }, 'tokenEndpoint must be an https: URL'],
      [{ redirectUri: '/callback' }, 'redirectUri must be'],
      [{ clientId: '' }, 'clientId must be'],
      [{ clientSecret: '' }, 'clientSecret must be'],
      [{ scopes: ['orders read'] }, 'scopes must be'],
      [{ scopes: 'orders.read' as unknown as string[] }, 'scopes must be'],
      [{ clientAuthentication: 'private_key_jwt' as 'client_secret_post' }, 'clientAuthentication must be'],
      [{ authorizationParameters: { state: 'fixed' } }, 'cannot set "state"'],
      [{ issuer: 'not a url' }, 'issuer must be'],
    ];
    for (const [override, message] of cases) {
      const error = failure(() => defineOAuthProvider({ ...valid, ...override }));
      expect([error.code, error.status, error.message]).toEqual(['OAUTH_PROVIDER_INVALID', 400, expect.stringContaining(message)]);
      expect(JSON.stringify(error) + error.message).not.toContain('cs_live_do-not-print-me');
    }
  });

  it('allows http: endpoints only with allowInsecureRequests, and accepts a public client', () => {
    const local = defineOAuthProvider({ ...valid, tokenEndpoint: 'http://127.0.0.1:8080/token', allowInsecureRequests: true, clientSecret: undefined });
    expect([local.allowInsecureRequests, local.clientSecret]).toEqual([true, undefined]);
  });

  it('checks an object with the fields of a defined provider anew', () => {
    const copy = { ...defineOAuthProvider(valid), tokenEndpoint: 'http://evil.example/token' };
    expect(failure(() => defineOAuthProvider(copy as unknown as OAuthProviderConfig)).code).toBe('OAUTH_PROVIDER_INVALID');
  });
});
