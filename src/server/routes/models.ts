import { z } from '@hono/zod-openapi';
import { KeelError } from '../../errors/index.ts';
import type { RouteModule } from '../server-types.ts';
import { idSchema } from '../schemas.ts';
import { registerRoute } from './define-route.ts';

const ModelSchema = z
  .object({
    id: z.string().openapi({ description: 'The agent name: what `model` names in POST /v1/chat/completions', example: 'support' }),
    object: z.literal('model'),
    created: z.number().int().openapi({ description: 'Unix seconds: when this server started serving its agents' }),
    owned_by: z.string().openapi({ example: 'keel' }),
  })
  .openapi('Model');

const ModelList = z.object({ object: z.literal('list'), data: z.array(ModelSchema) }).openapi('ModelList');

const ModelParams = z.object({ model: idSchema.openapi({ param: { name: 'model', in: 'path' }, example: 'support' }) });

/**
 * `GET /v1/models` and `GET /v1/models/{model}`: the agents in OpenAI's model-list shape, so an
 * OpenAI client's `models.list()` / `models.retrieve()` (and tools that start by listing models)
 * find what they can send to `/v1/chat/completions`.
 */
export const modelRoutes: RouteModule = {
  name: 'models',
  register(app, context) {
    // Agents have no creation time of their own; this is when the server began serving them.
    const created = Math.floor(Date.now() / 1000);
    const model = (name: string) => ({ id: name, object: 'model' as const, created, owned_by: 'keel' });

    registerRoute(app, {
      method: 'get',
      path: '/v1/models',
      tags: ['openai-compatible'],
      summary: 'The agents, as an OpenAI model list',
      permission: 'runs:read',
      responses: { 200: { description: 'One model per agent, by name', content: { 'application/json': { schema: ModelList } } } },
      // Read on each request: `keel dev` reloads the agents, and the list follows.
      handler: (c) => c.json({ object: 'list' as const, data: [...context.runtime.config.agents.keys()].sort().map(model) }),
    });

    registerRoute(app, {
      method: 'get',
      path: '/v1/models/{model}',
      tags: ['openai-compatible'],
      summary: 'One agent, as an OpenAI model',
      permission: 'runs:read',
      notFoundCode: 'AGENT_NOT_FOUND',
      request: { params: ModelParams },
      responses: { 200: { description: 'The agent', content: { 'application/json': { schema: ModelSchema } } } },
      handler(c, { params }) {
        if (!context.runtime.config.agents.has(params.model)) throw new KeelError({ code: 'AGENT_NOT_FOUND', message: `No agent named "${params.model}"` });
        return c.json(model(params.model));
      },
    });
  },
};
