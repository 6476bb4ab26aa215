import { z } from '@hono/zod-openapi';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

const Health = z.object({ status: z.enum(['ok', 'unavailable']), checks: z.record(z.string(), z.string()).optional() }).openapi('Health');

/** `GET /healthz` (the process answers) and `GET /readyz` (the store is reachable and migrated). */
export const healthRoutes: RouteModule = {
  name: 'health',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/healthz',
      tags: ['operations'],
      summary: 'Liveness: the process is serving requests',
      permission: 'public',
      responses: { 200: { description: 'Alive', content: { 'application/json': { schema: Health } } } },
      handler: (c) => c.json({ status: 'ok' as const }),
    });

    registerRoute(app, {
      method: 'get',
      path: '/readyz',
      tags: ['operations'],
      summary: 'Readiness: the store is reachable and every migration is applied',
      permission: 'public',
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: Health } } },
        503: { description: 'Not ready', content: { 'application/json': { schema: Health } } },
      },
      async handler(c) {
        let store: string;
        try {
          store = (await context.store.isMigrated()) ? 'ok' : 'migrations pending';
        } catch (error) {
          // The reason goes to the log; the probe only needs to know.
          c.get('log').warn({ err: error }, 'readiness check: store unreachable');
          store = 'unreachable';
        }
        const ready = store === 'ok';
        return c.json({ status: ready ? ('ok' as const) : ('unavailable' as const), checks: { store } }, ready ? 200 : 503);
      },
    });
  },
};
