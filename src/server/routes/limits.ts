import { z } from '@hono/zod-openapi';
import { KeelError } from '../../errors/index.ts';
import { setLimits } from '../../protection/set-limits.ts';
import type { TenantLimits } from '../../store/limits-store.ts';
import { keyActor } from '../auth/actor.ts';
import { idSchema } from '../schemas.ts';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

const WindowLimitSchema = z
  .strictObject({
    limit: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    windowMs: z
      .number()
      .int()
      .min(1_000)
      .max(31 * 24 * 3_600_000)
      .openapi({ description: 'The sliding window, 1 s to 31 days' }),
  })
  .openapi('WindowLimit');
export const LimitsSchema = z
  .object({
    maxConcurrentRuns: z.number().int().nullable().openapi({ description: 'Runs of the tenant executing at once; null: no cap' }),
    userRequests: WindowLimitSchema.nullable().openapi({ description: 'Requests per end user per window' }),
    userTokens: WindowLimitSchema.nullable().openapi({ description: 'Model tokens per end user per window' }),
  })
  .openapi('Limits');
const PutLimitsBody = z
  .strictObject({
    maxConcurrentRuns: z.number().int().min(0).max(1_000_000).nullable().optional(),
    userRequests: WindowLimitSchema.nullable().optional(),
    userTokens: WindowLimitSchema.nullable().optional(),
  })
  .openapi('PutLimits', { description: "A field left out stays as it is; null removes the tenant's own value, so the default applies again." });
const TenantParams = z.object({ tenantId: idSchema.openapi({ param: { name: 'tenantId', in: 'path' }, example: 'acme', description: 'Your tenant id' }) });

/** Another tenant's limits are not found: an admin manages its own tenant only. */
function ownTenant(tenantId: string, requested: string): string {
  if (requested !== tenantId) throw new KeelError({ code: 'ROUTE_NOT_FOUND', message: `No tenant "${requested}"` });
  return tenantId;
}

/** `GET /v1/limits/{tenantId}`, `PUT /v1/limits/{tenantId}`: the limits in force for the caller's tenant. */
export const limitRoutes: RouteModule = {
  name: 'limits',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/v1/limits/{tenantId}',
      tags: ['limits'],
      summary: 'The limits in force for your tenant (its own values over the defaults)',
      permission: 'limits:read',
      request: { params: TenantParams },
      responses: { 200: { description: 'The limits', content: { 'application/json': { schema: LimitsSchema } } } },
      async handler(c, { params }) {
        return c.json(await context.store.getTenantLimits(ownTenant(c.get('principal').tenantId, params.tenantId)));
      },
    });
    registerRoute(app, {
      method: 'put',
      path: '/v1/limits/{tenantId}',
      tags: ['limits'],
      summary: "Change your tenant's concurrency cap and per-user request and token limits",
      description: 'Takes effect on every node within 5 s. Audited as `limits.update`.',
      permission: 'limits:write',
      request: { params: TenantParams, body: PutLimitsBody },
      responses: { 200: { description: 'The limits now in force', content: { 'application/json': { schema: LimitsSchema } } } },
      async handler(c, { params, body }) {
        const principal = c.get('principal');
        const tenantId = ownTenant(principal.tenantId, params.tenantId);
        const limits: Partial<TenantLimits> = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
        return c.json(await setLimits(context.store, { tenantId, limits, actor: keyActor(principal) }));
      },
    });
  },
};
