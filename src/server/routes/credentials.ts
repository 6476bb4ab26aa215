import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { KeelError } from '../../errors/index.ts';
import type { CredentialKey, CredentialRecord } from '../../store/credential-store.ts';
import { maxSecretBytes } from '../../vault/credential-names.ts';
import { deleteCredential } from '../../vault/delete-credential.ts';
import type { Vault } from '../../vault/vault.ts';
import { keyActor } from '../auth/actor.ts';
import { idSchema } from '../schemas.ts';
import type { RouteContext, RouteModule, ServerEnv } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

const nameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/)
  .openapi({ param: { name: 'name', in: 'path' }, example: 'shop', description: '1-64 letters, digits, "_", "." or "-"' });
const userSchema = idSchema.openapi({ param: { name: 'userId', in: 'path' }, example: 'user_42', description: 'The end user' });
const TenantParams = z.object({ name: nameSchema });
const UserParams = z.object({ userId: userSchema });
const UserCredentialParams = z.object({ userId: userSchema, name: nameSchema });

const PutSecretBody = z
  .strictObject({
    value: z
      .string()
      .min(1)
      .refine((value) => Buffer.byteLength(value) <= maxSecretBytes, `at most ${maxSecretBytes} bytes`)
      .openapi({ description: 'The secret. Sealed at once; never returned by any endpoint' }),
  })
  .openapi('PutSecret');

export const CredentialSchema = z
  .object({
    userId: z.string().nullable().openapi({ description: "The end user, or null for the tenant's own credential" }),
    name: z.string(),
    kind: z.enum(['secret', 'oauth']).openapi({ description: '`oauth`: tokens from a user connecting a provider' }),
    keyVersion: z.number().int().openapi({ description: 'The master key version it is sealed under' }),
    expiresAt: z.string().nullable().openapi({ description: "An OAuth access token's expiry (it is refreshed before use)" }),
    createdAt: z.string(),
    updatedAt: z.string(),
    createdBy: z.string(),
    updatedBy: z.string(),
  })
  .openapi('Credential');

const CredentialList = z.object({ data: z.array(CredentialSchema) }).openapi('CredentialList');
const SetCredential = CredentialSchema.extend({ created: z.boolean(), requeuedRuns: z.number().int() }).openapi('SetCredential');

/** The metadata a caller sees: never the sealed value, never the tenant (it is the caller's). */
function credentialView(record: CredentialRecord) {
  const { tenantId: _tenantId, ...view } = record;
  return view;
}

export function vaultOf(context: RouteContext): Vault {
  if (context.vault === undefined) {
    throw new KeelError({ code: 'VAULT_NOT_CONFIGURED', message: 'This server has no vault: set KEEL_MASTER_KEY' });
  }
  return context.vault;
}

function notFound(key: Omit<CredentialKey, 'tenantId'>): KeelError {
  return new KeelError({
    code: 'CREDENTIAL_NOT_FOUND',
    message: `No credential "${key.name}" for ${key.userId === null ? 'the tenant' : `user "${key.userId}"`}`,
  });
}

async function findCredential(context: RouteContext, key: CredentialKey): Promise<CredentialRecord> {
  const record = (await context.store.listCredentials({ tenantId: key.tenantId, userId: key.userId })).find((candidate) => candidate.name === key.name);
  if (record === undefined) throw notFound(key);
  return record;
}

async function put(c: Context<ServerEnv>, context: RouteContext, key: Omit<CredentialKey, 'tenantId'>, value: string): Promise<Response> {
  const principal = c.get('principal');
  const result = await vaultOf(context).setSecret({ ...key, tenantId: principal.tenantId, value, actor: keyActor(principal) });
  if (result.requeued.length > 0) c.get('log').info({ credential: key.name, requeued: result.requeued.length }, 'credential set: waiting runs queued again');
  return c.json({ ...credentialView(result.record), created: result.created, requeuedRuns: result.requeued.length }, result.created ? 201 : 200);
}

async function remove(c: Context<ServerEnv>, context: RouteContext, key: Omit<CredentialKey, 'tenantId'>): Promise<Response> {
  const principal = c.get('principal');
  // Deleting opens nothing: it works without a master key too.
  if (!(await deleteCredential({ store: context.store, key: { ...key, tenantId: principal.tenantId }, actor: keyActor(principal) }))) throw notFound(key);
  return c.body(null, 204);
}

const setResponses = {
  200: { description: 'Replaced', content: { 'application/json': { schema: SetCredential } } },
  201: { description: 'Created', content: { 'application/json': { schema: SetCredential } } },
};

/**
 * The vault over HTTP: the tenant's own secrets (admins) and its end users' credentials
 * (admins, and `app` keys for their users). Values go in and never come out: every answer is
 * metadata. Setting a credential queues again the runs waiting for it.
 */
export const credentialRoutes: RouteModule = {
  name: 'credentials',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/v1/credentials/tenant',
      tags: ['credentials'],
      summary: "The tenant's own secrets: names and metadata only",
      permission: 'credentials:read',
      responses: { 200: { description: 'By name', content: { 'application/json': { schema: CredentialList } } } },
      async handler(c) {
        const records = await context.store.listCredentials({ tenantId: c.get('principal').tenantId, userId: null });
        return c.json({ data: records.map(credentialView) });
      },
    });
    registerRoute(app, {
      method: 'get',
      path: '/v1/credentials/tenant/{name}',
      tags: ['credentials'],
      summary: "One of the tenant's secrets: metadata only",
      permission: 'credentials:read',
      notFoundCode: 'CREDENTIAL_NOT_FOUND',
      request: { params: TenantParams },
      responses: { 200: { description: 'The credential', content: { 'application/json': { schema: CredentialSchema } } } },
      async handler(c, { params }) {
        return c.json(credentialView(await findCredential(context, { tenantId: c.get('principal').tenantId, userId: null, name: params.name })));
      },
    });
    registerRoute(app, {
      method: 'put',
      path: '/v1/credentials/tenant/{name}',
      tags: ['credentials'],
      summary: "Set one of the tenant's secrets",
      description: "Tools fall back to the tenant's secret when the run's user has none. OAuth client secrets (`clientSecretName`) live here.",
      permission: 'credentials:write',
      notFoundCode: 'CREDENTIAL_NOT_FOUND',
      request: { params: TenantParams, body: PutSecretBody },
      responses: setResponses,
      handler: (c, { params, body }) => put(c, context, { userId: null, name: params.name }, body.value),
    });
    registerRoute(app, {
      method: 'delete',
      path: '/v1/credentials/tenant/{name}',
      tags: ['credentials'],
      summary: "Delete one of the tenant's secrets",
      permission: 'credentials:write',
      notFoundCode: 'CREDENTIAL_NOT_FOUND',
      request: { params: TenantParams },
      responses: { 204: { description: 'Deleted' } },
      handler: (c, { params }) => remove(c, context, { userId: null, name: params.name }),
    });

    registerRoute(app, {
      method: 'get',
      path: '/v1/credentials/users/{userId}',
      tags: ['credentials'],
      summary: "An end user's credentials and OAuth connections: metadata only",
      permission: 'connections:read',
      request: { params: UserParams },
      responses: { 200: { description: 'By name', content: { 'application/json': { schema: CredentialList } } } },
      async handler(c, { params }) {
        const records = await context.store.listCredentials({ tenantId: c.get('principal').tenantId, userId: params.userId });
        return c.json({ data: records.map(credentialView) });
      },
    });
    registerRoute(app, {
      method: 'get',
      path: '/v1/credentials/users/{userId}/{name}',
      tags: ['credentials'],
      summary: "One of an end user's credentials: metadata only",
      permission: 'connections:read',
      notFoundCode: 'CREDENTIAL_NOT_FOUND',
      request: { params: UserCredentialParams },
      responses: { 200: { description: 'The credential', content: { 'application/json': { schema: CredentialSchema } } } },
      async handler(c, { params }) {
        return c.json(credentialView(await findCredential(context, { tenantId: c.get('principal').tenantId, userId: params.userId, name: params.name })));
      },
    });
    registerRoute(app, {
      method: 'put',
      path: '/v1/credentials/users/{userId}/{name}',
      tags: ['credentials'],
      summary: "Set one of an end user's secrets",
      description: "The user's runs waiting for this credential are queued again.",
      permission: 'connections:write',
      notFoundCode: 'CREDENTIAL_NOT_FOUND',
      request: { params: UserCredentialParams, body: PutSecretBody },
      responses: setResponses,
      handler: (c, { params, body }) => put(c, context, { userId: params.userId, name: params.name }, body.value),
    });
    registerRoute(app, {
      method: 'delete',
      path: '/v1/credentials/users/{userId}/{name}',
      tags: ['credentials'],
      summary: "Delete one of an end user's credentials (or disconnect an OAuth provider)",
      permission: 'connections:write',
      notFoundCode: 'CREDENTIAL_NOT_FOUND',
      request: { params: UserCredentialParams },
      responses: { 204: { description: 'Deleted' } },
      handler: (c, { params }) => remove(c, context, { userId: params.userId, name: params.name }),
    });
  },
};
