import { z } from '@hono/zod-openapi';
import { idSchema } from '../schemas.ts';
import { KeelError } from '../../errors/index.ts';
import type { Vault } from '../../vault/vault.ts';
import type { RouteContext, RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

const ProviderParams = z.object({
  provider: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/)
    .openapi({ param: { name: 'provider', in: 'path' }, example: 'shop', description: 'An OAuth provider of the config' }),
});
const StartQuery = z.object({ userId: idSchema.openapi({ description: 'The end user connecting their account' }) });
const Started = z
  .object({
    url: z.string().openapi({ description: "Send the user's browser here" }),
    expiresAt: z.string().openapi({ description: 'The callback must arrive before this' }),
  })
  .openapi('OAuthStart');
const Connected = z.object({ connected: z.literal(true), provider: z.string(), userId: z.string(), requeuedRuns: z.number().int() }).openapi('OAuthConnected');

/**
 * The vault, for a provider of the config. A server without a vault has no OAuth provider
 * (configuring one requires the master key at start-up), so every provider is unknown there.
 */
function vaultFor(context: RouteContext, provider: string): Vault {
  if (context.vault !== undefined) return context.vault;
  throw new KeelError({ code: 'OAUTH_PROVIDER_NOT_FOUND', message: `No OAuth provider "${provider}". Configured: none`, details: { provider } });
}

/**
 * Per-user OAuth connections: an application asks for the authorization URL of one of its
 * users (`start`, with its API key) and sends the user there; the provider redirects the
 * user's browser to the callback, which carries no API key: the single-use state Keel issued
 * is what identifies the tenant and the user.
 */
export const oauthRoutes: RouteModule = {
  name: 'oauth',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/v1/oauth/{provider}/start',
      tags: ['oauth'],
      summary: "Start (or renew) an end user's connection to an OAuth provider",
      description:
        'Answers the authorization URL, with state and a PKCE challenge kept server-side until the callback. A run waiting with reason ' +
        '`credential` names this path in its details (`connectPath`); once the user has connected, it is queued again.',
      permission: 'connections:write',
      notFoundCode: 'OAUTH_PROVIDER_NOT_FOUND',
      request: { params: ProviderParams, query: StartQuery },
      responses: { 200: { description: 'The authorization URL', content: { 'application/json': { schema: Started } } } },
      async handler(c, { params, query }) {
        const started = await vaultFor(context, params.provider).startOAuth({
          tenantId: c.get('principal').tenantId,
          userId: query.userId,
          provider: params.provider,
        });
        return c.json(started);
      },
    });
    registerRoute(app, {
      method: 'get',
      path: '/oauth/{provider}/callback',
      tags: ['oauth'],
      summary: "The provider's redirect back after the user approved (or refused) access",
      description: "Register this URL as the redirect URI with the provider. It exchanges the code and stores the tokens as the user's credential.",
      permission: 'public',
      notFoundCode: 'OAUTH_PROVIDER_NOT_FOUND',
      request: { params: ProviderParams },
      responses: { 200: { description: 'Connected', content: { 'application/json': { schema: Connected } } } },
      async handler(c, { params }) {
        const connected = await vaultFor(context, params.provider).finishOAuth({ provider: params.provider, callback: new URL(c.req.url) });
        c.get('log').info({ provider: connected.provider, userId: connected.userId, requeued: connected.requeued.length }, 'OAuth account connected');
        return c.json({ connected: true as const, provider: connected.provider, userId: connected.userId, requeuedRuns: connected.requeued.length });
      },
    });
  },
};
