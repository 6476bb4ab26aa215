import { z } from '@hono/zod-openapi';
import type { RouteModule } from '../server-types.ts';
import { withinStoredYears } from '../schemas.ts';
import { registerRoute } from './define-route.ts';

/** An ISO 8601 date (`2030-01-31`, UTC midnight) or date-time with an offset (`2030-01-31T12:00:00Z`). */
const instant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .transform((value) => new Date(value))
  .refine((date) => !Number.isNaN(date.getTime()), 'not a valid date')
  .refine(withinStoredYears, 'years 1 to 9999');

const UsageQuery = z
  .object({
    groupBy: z.enum(['user', 'agent', 'model', 'tenant']).default('tenant').openapi({ description: '`model` keys are `provider:model`. Default `tenant`' }),
    from: instant.optional().openapi({ type: 'string', example: '2030-01-01', description: 'Inclusive; a date means UTC midnight' }),
    to: instant.optional().openapi({ type: 'string', example: '2030-02-01', description: 'Exclusive' }),
  })
  .refine((query) => query.from === undefined || query.to === undefined || query.from.getTime() <= query.to.getTime(), {
    message: 'from must not be after to',
    path: ['from'],
  });

const UsageRow = z
  .object({
    key: z.string().openapi({ description: 'The user id, agent name, `provider:model` or tenant id' }),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    cachedTokens: z.number().int().openapi({ description: 'Input tokens served from the provider cache (part of inputTokens)' }),
    costUsd: z.number(),
    calls: z.number().int(),
  })
  .openapi('UsageRow');

const UsageReport = z.object({ data: z.array(UsageRow) }).openapi('Usage');

/** `GET /v1/usage`: the usage ledger of the caller's tenant, grouped. */
export const usageRoutes: RouteModule = {
  name: 'usage',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/v1/usage',
      tags: ['usage'],
      summary: 'Tokens, cost and calls of model calls, grouped by user, agent, model or tenant',
      description: 'Sums the usage ledger (one row per settled model call) over [from, to); biggest cost first.',
      permission: 'usage:read',
      request: { query: UsageQuery },
      responses: { 200: { description: 'One row per group', content: { 'application/json': { schema: UsageReport } } } },
      async handler(c, { query }) {
        const rows = await context.store.queryUsage({
          tenantId: c.get('principal').tenantId,
          groupBy: query.groupBy,
          ...(query.from === undefined ? {} : { from: query.from }),
          ...(query.to === undefined ? {} : { to: query.to }),
        });
        return c.json({
          data: rows.map((row) => ({
            key: row.key,
            inputTokens: row.inputTokens,
            outputTokens: row.outputTokens,
            cachedTokens: row.cachedTokens,
            costUsd: row.costNanoUsd / 1e9,
            calls: row.calls,
          })),
        });
      },
    });
  },
};
