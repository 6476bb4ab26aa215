import type { RouteModule } from '../server-types.ts';

/** `GET /openapi.json`: generated from the same zod schemas that validate the requests. */
export const openApiRoutes: RouteModule = {
  name: 'openapi',
  register(app) {
    app.get('/openapi.json', (c) =>
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
    );
  },
};
