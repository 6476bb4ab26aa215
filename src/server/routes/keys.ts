import { z } from '@hono/zod-openapi';
import { KeelError } from '../../errors/index.ts';
import { apiKeyRoles, type ApiKeyRecord } from '../../store/api-key-store.ts';
import { keyActor } from '../auth/actor.ts';
import { createApiKey, revokeApiKey } from '../auth/api-keys.ts';
import { idSchema } from '../schemas.ts';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

const roles = apiKeyRoles as unknown as ['admin', 'app', 'reviewer', 'viewer'];
const CreateKeyBody = z
  .strictObject({
    role: z.enum(roles).openapi({ description: 'What the key may do: docs/permissions.md' }),
    name: z.string().max(100).optional().openapi({ description: 'A label to recognise the key by' }),
  })
  .openapi('CreateKey');
export const KeySchema = z
  .object({
    id: z.string(),
    role: z.enum(roles),
    name: z.string(),
    prefix: z.string().openapi({ description: "The key's first characters, to recognise it" }),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');
const CreatedKey = KeySchema.extend({ key: z.string().openapi({ description: 'The key itself: shown this once, never again' }) }).openapi('CreatedApiKey');
const KeyList = z.object({ data: z.array(KeySchema) }).openapi('ApiKeyList');
const KeyParams = z.object({ id: idSchema.openapi({ param: { name: 'id', in: 'path' }, example: 'key_0m1abcd2e3f4a5b6c7d8e9f0' }) });

function keyView(record: ApiKeyRecord) {
  const { tenantId: _tenantId, ...view } = record;
  return view;
}

/** `POST /v1/keys`, `GET /v1/keys`, `DELETE /v1/keys/{id}`: an admin manages its own tenant's keys. */
export const keyRoutes: RouteModule = {
  name: 'keys',
  register(app, context) {
    registerRoute(app, {
      method: 'post',
      path: '/v1/keys',
      tags: ['keys'],
      summary: "Mint an API key in the caller's tenant",
      description: 'The key is in this answer only: Keel stores its SHA-256. Audited as `key.create`.',
      permission: 'keys:write',
      request: { body: CreateKeyBody },
      responses: { 201: { description: 'The key, shown once', content: { 'application/json': { schema: CreatedKey } } } },
      async handler(c, { body }) {
        const principal = c.get('principal');
        const { key, record } = await createApiKey(context.store, {
          tenantId: principal.tenantId,
          role: body.role,
          actor: keyActor(principal),
          ...(body.name === undefined ? {} : { name: body.name }),
        });
        c.header('cache-control', 'no-store');
        return c.json({ ...keyView(record), key }, 201);
      },
    });
    registerRoute(app, {
      method: 'get',
      path: '/v1/keys',
      tags: ['keys'],
      summary: "The tenant's API keys, oldest first (never the keys themselves)",
      permission: 'keys:read',
      responses: { 200: { description: 'Keys', content: { 'application/json': { schema: KeyList } } } },
      async handler(c) {
        const keys = await context.store.listApiKeys({ tenantId: c.get('principal').tenantId });
        return c.json({ data: keys.map(keyView) });
      },
    });
    registerRoute(app, {
      method: 'delete',
      path: '/v1/keys/{id}',
      tags: ['keys'],
      summary: 'Revoke an API key at once, on every node',
      description: 'Revoking a revoked key changes nothing. Audited as `key.revoke`.',
      permission: 'keys:write',
      notFoundCode: 'API_KEY_NOT_FOUND',
      request: { params: KeyParams },
      responses: { 200: { description: 'The key as it now stands', content: { 'application/json': { schema: KeySchema } } } },
      async handler(c, { params }) {
        const principal = c.get('principal');
        const revoked = await revokeApiKey(context.store, { id: params.id, tenantId: principal.tenantId, actor: keyActor(principal) });
        if (revoked === undefined) throw new KeelError({ code: 'API_KEY_NOT_FOUND', message: `No API key with id "${params.id}"` });
        return c.json(keyView(revoked));
      },
    });
  },
};
