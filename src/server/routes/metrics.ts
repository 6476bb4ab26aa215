import { z } from '@hono/zod-openapi';
import { metricsTokenKeyId } from '../auth/authenticate.ts';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

/**
 * `GET /metrics`: Prometheus text. Per-process figures (runs, steps, model calls, tokens, cost,
 * tools, retries, breakers, rate-limit rejections, open streams) and cross-node ones read from
 * the store at scrape time (queue depth, runs running and waiting). An API key sees its own
 * tenant's series; `KEEL_METRICS_TOKEN` sees every tenant's.
 */
export const metricsRoutes: RouteModule = {
  name: 'metrics',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/metrics',
      tags: ['operations'],
      summary: 'Prometheus metrics',
      description:
        'Prometheus text exposition format. Authenticate with an API key (its tenant’s series, plus the ones of no tenant) or with the ' +
        'operator’s KEEL_METRICS_TOKEN as a bearer token (every tenant).',
      permission: 'metrics:read',
      responses: { 200: { description: 'The metrics', content: { 'text/plain': { schema: z.string() } } } },
      async handler(c) {
        const principal = c.get('principal');
        const text = await context.metrics.render(principal.keyId === metricsTokenKeyId ? {} : { tenantId: principal.tenantId });
        return c.body(text, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
      },
    });
  },
};
