import { z } from '@hono/zod-openapi';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

/** `GET /openapi.json`: generated from the same zod schemas that validate the requests. */
export const openApiRoutes: RouteModule = {
  name: 'openapi',
  register(app) {
    registerRoute(app, {
      method: 'get',
      path: '/openapi.json',
      tags: ['operations'],
      summary: 'This description of the API (OpenAPI 3.1)',
      permission: 'public',
      responses: { 200: { description: 'The OpenAPI document', content: { 'application/json': { schema: z.object({ openapi: z.string() }).passthrough() } } } },
      handler: (c) =>
        c.json(
          app.getOpenAPI31Document({
            openapi: '3.1.0',
            info: {
              title: 'Keel API',
              version: '1',
              description: 'Durable AI agent runs. Errors are { error: { code, message, details? } } with codes from docs/errors.md.',
            },
          }),
        ),
    });
  },
};
