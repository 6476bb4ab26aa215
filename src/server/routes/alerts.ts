import { z } from '@hono/zod-openapi';
import { decimalIntegerSchema } from '../schemas.ts';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

const AlertSchema = z
  .object({
    tenantId: z.string().openapi({ description: 'The tenant, or `*` for an alert about the whole deployment (a breaker)' }),
    key: z.string(),
    kind: z.string().openapi({
      example: 'success-rate',
      description: 'budget-threshold, cost-spike, success-rate, latency-p95, user-failures, breaker-open, approval-waiting',
    }),
    at: z.string(),
    payload: z.record(z.string(), z.unknown()).openapi({ description: 'The alert as it was delivered to the webhook' }),
  })
  .openapi('Alert');

const AlertPage = z.object({ data: z.array(AlertSchema), nextCursor: z.string().nullable() }).openapi('AlertPage');

const ListAlertsQuery = z.object({
  cursor: z.string().min(1).max(500).optional().openapi({ description: 'nextCursor of the previous page' }),
  limit: decimalIntegerSchema({ min: 1, max: 200 }).optional().openapi({ type: 'integer', description: 'Page size, 1 to 200, default 50' }),
});

/** `GET /v1/alerts`: the alerts raised for the tenant (spend alerts and alert rules), newest first. */
export const alertRoutes: RouteModule = {
  name: 'alerts',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/v1/alerts',
      tags: ['operations'],
      summary: 'List alerts, newest first',
      description: "Every alert delivered for the key's tenant — budget thresholds, cost spikes and the alert rules — and the deployment-wide ones (breakers).",
      permission: 'alerts:read',
      request: { query: ListAlertsQuery },
      responses: { 200: { description: 'A page of alerts', content: { 'application/json': { schema: AlertPage } } } },
      async handler(c, { query }) {
        const page = await context.store.listAlerts({ tenantId: c.get('principal').tenantId, ...query });
        return c.json({ data: page.alerts, nextCursor: page.nextCursor ?? null });
      },
    });
  },
};
