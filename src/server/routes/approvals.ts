import { z } from '@hono/zod-openapi';
import { decideApprovals, findApproval } from '../../oversight/approval-inbox.ts';
import { ActorSchema, CursorQuery, LimitQuery, reviewerActor, ReviewerName, reviewerHeader } from '../oversight-schemas.ts';
import { idSchema, UserFilterQuery } from '../schemas.ts';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

const maxBatch = 100;

const ApprovalParams = z.object({ id: idSchema.openapi({ param: { name: 'id', in: 'path' }, example: 'apr_3f9c0a…' }) });

export const ApprovalSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    runId: z.string(),
    agent: z.string(),
    userId: z.string().openapi({ description: 'The end user whose run it is' }),
    sessionId: z.string(),
    step: z.number().int(),
    callId: z.string(),
    toolName: z.string(),
    input: z.unknown().openapi({ description: 'The arguments the model proposed' }),
    reason: z.string().openapi({ description: 'Why it needs approval' }),
    source: z.enum(['tool', 'guardrail', 'policy']).openapi({ description: "The tool's own rule, a guardrail verdict, or the tenant's policy" }),
    status: z.enum(['pending', 'approved', 'rejected', 'edited']),
    decidedInput: z.unknown().openapi({ description: 'The arguments it ran with, when a reviewer edited them' }),
    decisionReason: z.string().nullable(),
    decidedBy: ActorSchema.nullable(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
    expiresAt: z.string().openapi({ description: 'Still pending then, it is rejected by the system' }),
    level: z.number().int().openapi({ description: 'How far up its escalation chain it has gone (0: not yet)' }),
    group: z.string().nullable().openapi({ description: 'The group of its current chain level' }),
    nextLevelAt: z.string().nullable(),
  })
  .openapi('Approval');

const ListApprovalsQuery = z.object({
  status: z.enum(['pending', 'decided']).optional(),
  agent: idSchema.optional(),
  userId: idSchema.optional().openapi({ description: "Only this end user's (for app keys acting for one user)" }),
  runId: idSchema.optional(),
  cursor: CursorQuery,
  limit: LimitQuery,
});

const ApprovalPage = z.object({ data: z.array(ApprovalSchema), nextCursor: z.string().nullable() }).openapi('ApprovalPage');

const decisionFields = {
  decision: z.enum(['approve', 'reject', 'edit']),
  args: z.unknown().optional().openapi({ description: "For `edit`: the arguments to run the call with, checked against the tool's input schema" }),
  reason: z.string().min(1).max(4_000).optional().openapi({ description: 'Why; for `reject`, the model is told it' }),
};

const DecideBody = z.strictObject({ ...decisionFields, reviewer: ReviewerName.optional() }).openapi('ApprovalDecision');

const BatchBody = z
  .strictObject({
    decisions: z
      .array(z.strictObject({ id: idSchema, ...decisionFields }))
      .min(1)
      .max(maxBatch),
    reviewer: ReviewerName.optional(),
  })
  .openapi('ApprovalBatch');

const BatchResult = z
  .object({
    data: z.array(
      z.object({
        id: z.string(),
        outcome: z.enum(['decided', 'already-decided', 'not-found', 'invalid', 'failed']),
        approval: ApprovalSchema.optional().openapi({ description: 'As it now stands, when decided' }),
        error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }).optional(),
      }),
    ),
  })
  .openapi('ApprovalBatchResult');

/** `GET /v1/approvals`, `GET /v1/approvals/{id}`, `POST /v1/approvals/{id}` (decide), `POST /v1/approvals` (decide several). */
export const approvalRoutes: RouteModule = {
  name: 'approvals',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/v1/approvals',
      tags: ['approvals'],
      summary: 'The approval inbox: gated tool calls, newest first',
      permission: 'approvals:read',
      request: { query: ListApprovalsQuery },
      responses: { 200: { description: 'A page of approvals', content: { 'application/json': { schema: ApprovalPage } } } },
      async handler(c, { query }) {
        const page = await context.store.listApprovals(c.get('principal').tenantId, query);
        return c.json({ data: page.approvals, nextCursor: page.nextCursor ?? null });
      },
    });

    registerRoute(app, {
      method: 'get',
      path: '/v1/approvals/{id}',
      tags: ['approvals'],
      summary: 'One approval: the run, the tool and its arguments, the reason, status, decider and times',
      permission: 'approvals:read',
      notFoundCode: 'APPROVAL_NOT_FOUND',
      request: { params: ApprovalParams, query: UserFilterQuery },
      responses: { 200: { description: 'The approval', content: { 'application/json': { schema: ApprovalSchema } } } },
      async handler(c, { params, query }) {
        return c.json(await findApproval(context.store, { tenantId: c.get('principal').tenantId, approvalId: params.id, ...query }));
      },
    });

    registerRoute(app, {
      method: 'post',
      path: '/v1/approvals/{id}',
      tags: ['approvals'],
      summary: 'Decide an approval: approve, reject (with a reason) or edit its arguments',
      description:
        'Accepted once: a second or concurrent decision, on any node, gets 409 APPROVAL_ALREADY_DECIDED. The decision is journaled on ' +
        `the run with the key's id and the reviewer's name (\`reviewer\`, or the ${reviewerHeader} header). When every gated call of ` +
        'the step is decided the run is queued and resumes: an approved call runs as proposed, an edited one with the new arguments, ' +
        'a rejected one gives the model the reason as its result.',
      permission: 'approvals:decide',
      notFoundCode: 'APPROVAL_NOT_FOUND',
      request: { params: ApprovalParams, body: DecideBody },
      responses: {
        200: { description: 'The approval as it now stands', content: { 'application/json': { schema: ApprovalSchema } } },
        409: { description: 'Already decided (`APPROVAL_ALREADY_DECIDED`), or the run did not come to rest in time (`RUN_NOT_WAITING`, retryable)' },
      },
      async handler(c, { params, body }) {
        const { reviewer, ...decision } = body;
        const actor = reviewerActor(c, reviewer);
        return c.json(await context.runtime.decideApproval(params.id, decision, { tenantId: c.get('principal').tenantId, actor }));
      },
    });

    registerRoute(app, {
      method: 'post',
      path: '/v1/approvals',
      tags: ['approvals'],
      summary: 'Decide several approvals at once',
      description:
        `Up to ${maxBatch} decisions, carried out in order, each on its own: one that fails does not stop or undo the others. Each ` +
        'answers with its outcome — decided, already-decided, not-found, invalid (e.g. edited arguments that fail the schema) or ' +
        'failed (worth retrying alone). A body of the wrong shape is refused whole (400) and decides nothing.',
      permission: 'approvals:decide',
      request: { body: BatchBody },
      responses: { 200: { description: 'One result per decision, in order', content: { 'application/json': { schema: BatchResult } } } },
      async handler(c, { body }) {
        const log = c.get('log');
        const data = await decideApprovals(context.runtime, {
          tenantId: c.get('principal').tenantId,
          actor: reviewerActor(c, body.reviewer),
          decisions: body.decisions,
          onError: (error, approvalId) => log.error({ err: error, approvalId }, 'approval decision failed'),
        });
        return c.json({ data });
      },
    });
  },
};
