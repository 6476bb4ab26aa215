import { z } from '@hono/zod-openapi';
import { KeelError } from '../../errors/index.ts';
import type { SessionRecord } from '../../store/store.ts';
import { idSchema, UserFilterQuery } from '../schemas.ts';
import type { RouteContext, RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

const SessionParams = z.object({ id: idSchema.openapi({ param: { name: 'id', in: 'path' } }) });

const SessionSchema = z
  .object({ id: z.string(), tenantId: z.string(), userId: z.string(), agent: z.string(), createdAt: z.string(), updatedAt: z.string() })
  .openapi('Session');

const MessagesSchema = z
  .object({
    data: z.array(
      z
        .object({ role: z.enum(['system', 'user', 'assistant', 'tool']) })
        .passthrough()
        .openapi('Message', {
          description: 'A message of the conversation: user and assistant text, and tool calls and results',
        }),
    ),
  })
  .openapi('SessionMessages');

async function findSession(context: RouteContext, tenantId: string, sessionId: string, userId?: string): Promise<SessionRecord> {
  const session = await context.store.getSession(tenantId, sessionId);
  if (session === undefined || (userId !== undefined && session.userId !== userId)) {
    throw new KeelError({ code: 'SESSION_NOT_FOUND', message: `No session with id "${sessionId}"` });
  }
  return session;
}

/** `GET /v1/sessions/{id}`, `GET /v1/sessions/{id}/messages`, `DELETE /v1/sessions/{id}`. */
export const sessionRoutes: RouteModule = {
  name: 'sessions',
  register(app, context) {
    const request = { params: SessionParams, query: UserFilterQuery };

    registerRoute(app, {
      method: 'get',
      path: '/v1/sessions/{id}',
      tags: ['sessions'],
      summary: 'Get a session',
      permission: 'sessions:read',
      notFoundCode: 'SESSION_NOT_FOUND',
      request,
      responses: { 200: { description: 'The session', content: { 'application/json': { schema: SessionSchema } } } },
      async handler(c, { params, query }) {
        return c.json(await findSession(context, c.get('principal').tenantId, params.id, query.userId));
      },
    });

    registerRoute(app, {
      method: 'get',
      path: '/v1/sessions/{id}/messages',
      tags: ['sessions'],
      summary: "A session's conversation, oldest first",
      permission: 'sessions:read',
      notFoundCode: 'SESSION_NOT_FOUND',
      request,
      responses: { 200: { description: 'The messages', content: { 'application/json': { schema: MessagesSchema } } } },
      async handler(c, { params, query }) {
        const { tenantId } = c.get('principal');
        await findSession(context, tenantId, params.id, query.userId);
        return c.json({ data: await context.store.listSessionMessages(tenantId, params.id) });
      },
    });

    registerRoute(app, {
      method: 'delete',
      path: '/v1/sessions/{id}',
      tags: ['sessions'],
      summary: 'Delete a session and erase its conversation',
      description:
        "Erases the conversation everywhere Keel stores it: the messages, the runs' inputs, outputs and error messages, the content of " +
        'their journals (texts, tool arguments and results) and the cached answers they produced. The runs stay for audit and billing ' +
        'without content (ids, statuses, timings, usage, cost, tool names; `erasedAt` set), with their metadata. The session is then not ' +
        'found; a new run under its id starts a new session. Refused with SESSION_BUSY (409) while a run of the session has not ended.',
      permission: 'sessions:delete',
      notFoundCode: 'SESSION_NOT_FOUND',
      request,
      responses: { 204: { description: 'Deleted' }, 409: { description: 'A run of the session is still going (`SESSION_BUSY`)' } },
      async handler(c, { params, query }) {
        const { tenantId } = c.get('principal');
        await findSession(context, tenantId, params.id, query.userId);
        if (!(await context.store.deleteSession(tenantId, params.id))) {
          throw new KeelError({ code: 'SESSION_NOT_FOUND', message: `No session with id "${params.id}"` });
        }
        return c.body(null, 204);
      },
    });
  },
};
