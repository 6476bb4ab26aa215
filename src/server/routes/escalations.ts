import { z } from '@hono/zod-openapi';
import { escalationDetail } from '../../oversight/escalation-detail.ts';
import { ActorSchema, CursorQuery, LimitQuery, reviewerActor, ReviewerName } from '../oversight-schemas.ts';
import { idSchema } from '../schemas.ts';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

const maxReplyChars = 100_000;

const EscalationParams = z.object({ id: idSchema.openapi({ param: { name: 'id', in: 'path' }, example: 'esc_0m1abcd2e3f4' }) });

const escalationStatuses = ['open', 'handed-back', 'resolved'] as const;

export const EscalationSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    runId: z.string(),
    agent: z.string(),
    userId: z.string(),
    sessionId: z.string(),
    trigger: z.string().openapi({ description: 'user-request, agent-request (escalate_to_human), low-confidence, high-stakes, repeated-failure or guardrail' }),
    reason: z.string(),
    handoff: z.record(z.string(), z.unknown()).openapi({
      description: 'What a person taking over needs: the request, what was tried and how it went, where it got stuck, the pending question, the transcript',
    }),
    status: z.enum(escalationStatuses),
    createdAt: z.string(),
    updatedAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .openapi('Escalation');

const EscalationDetailSchema = EscalationSchema.extend({
  replies: z.array(z.object({ message: z.string(), handBack: z.boolean(), actor: ActorSchema, at: z.string(), seq: z.number().int() })),
  resolution: z.object({ actor: ActorSchema, endSession: z.boolean(), at: z.string() }).nullable(),
}).openapi('EscalationDetail');

const ListEscalationsQuery = z.object({
  status: z.enum(escalationStatuses).optional(),
  runId: idSchema.optional(),
  cursor: CursorQuery,
  limit: LimitQuery,
});

const EscalationPage = z.object({ data: z.array(EscalationSchema), nextCursor: z.string().nullable() }).openapi('EscalationPage');

const ReplyBody = z
  .strictObject({
    message: z.string().min(1).max(maxReplyChars).openapi({ description: "What the end user receives as the assistant's reply" }),
    handBack: z.boolean().optional().openapi({ description: 'Hand the conversation back: the agent resumes with the reply in its context' }),
    reviewer: ReviewerName.optional(),
  })
  .openapi('EscalationReply');

const ResolveBody = z
  .strictObject({
    endSession: z.boolean().optional().openapi({ description: 'Journaled for the application: the conversation is over' }),
    reviewer: ReviewerName.optional(),
  })
  .openapi('EscalationResolve');

const closedResponse = { 409: { description: 'The escalation is no longer open (`ESCALATION_CLOSED`): handed back or resolved' } };

/** `GET /v1/escalations`, `GET /v1/escalations/{id}`, `POST /v1/escalations/{id}/reply`, `POST /v1/escalations/{id}/resolve`. */
export const escalationRoutes: RouteModule = {
  name: 'escalations',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/v1/escalations',
      tags: ['escalations'],
      summary: 'Conversations handed to a human, newest first',
      permission: 'escalations:read',
      request: { query: ListEscalationsQuery },
      responses: { 200: { description: 'A page of escalations', content: { 'application/json': { schema: EscalationPage } } } },
      async handler(c, { query }) {
        const page = await context.store.listEscalations(c.get('principal').tenantId, query);
        return c.json({ data: page.escalations, nextCursor: page.nextCursor ?? null });
      },
    });

    registerRoute(app, {
      method: 'get',
      path: '/v1/escalations/{id}',
      tags: ['escalations'],
      summary: 'One escalation: its handoff package, the replies and the resolution',
      permission: 'escalations:read',
      notFoundCode: 'ESCALATION_NOT_FOUND',
      request: { params: EscalationParams },
      responses: { 200: { description: 'The escalation', content: { 'application/json': { schema: EscalationDetailSchema } } } },
      async handler(c, { params }) {
        return c.json(await escalationDetail(context.store, { tenantId: c.get('principal').tenantId, escalationId: params.id }));
      },
    });

    registerRoute(app, {
      method: 'post',
      path: '/v1/escalations/{id}/reply',
      tags: ['escalations'],
      summary: 'Reply to the end user; with handBack the agent resumes',
      description:
        "The reply is journaled on the run (`escalation-reply`) and reaches the end user as the assistant's reply: on the run's event " +
        'stream at once, on a chat completion waiting for it, and in the session history when the run ends. Without handBack the ' +
        'escalation stays open for more replies; with it the run is queued and the agent continues, the reply in its context.',
      permission: 'escalations:respond',
      notFoundCode: 'ESCALATION_NOT_FOUND',
      request: { params: EscalationParams, body: ReplyBody },
      responses: { 200: { description: 'The escalation as it now stands', content: { 'application/json': { schema: EscalationSchema } } }, ...closedResponse },
      async handler(c, { params, body }) {
        const actor = reviewerActor(c, body.reviewer);
        const reply = { message: body.message, ...(body.handBack === undefined ? {} : { handBack: body.handBack }) };
        return c.json(await context.runtime.replyToEscalation(params.id, reply, { tenantId: c.get('principal').tenantId, actor }));
      },
    });

    registerRoute(app, {
      method: 'post',
      path: '/v1/escalations/{id}/resolve',
      tags: ['escalations'],
      summary: 'Close an escalation: the run completes with the last reply as its answer',
      permission: 'escalations:respond',
      notFoundCode: 'ESCALATION_NOT_FOUND',
      request: { params: EscalationParams, body: ResolveBody },
      responses: { 200: { description: 'The escalation, resolved', content: { 'application/json': { schema: EscalationSchema } } }, ...closedResponse },
      async handler(c, { params, body }) {
        const actor = reviewerActor(c, body.reviewer);
        const resolution = body.endSession === undefined ? {} : { endSession: body.endSession };
        return c.json(await context.runtime.resolveEscalation(params.id, resolution, { tenantId: c.get('principal').tenantId, actor }));
      },
    });
  },
};
