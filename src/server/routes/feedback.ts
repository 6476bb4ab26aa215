import { z } from '@hono/zod-openapi';
import { rateRun } from '../../oversight/run-feedback.ts';
import { CursorQuery, LimitQuery } from '../oversight-schemas.ts';
import { idSchema, RunIdParams, UserFilterQuery } from '../schemas.ts';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

const maxCorrectionChars = 100_000;
const maxCommentChars = 10_000;

export const FeedbackSchema = z
  .object({
    tenantId: z.string(),
    runId: z.string(),
    userId: z.string().openapi({ description: "The run's end user, whose rating it is" }),
    agent: z.string(),
    rating: z.union([z.literal(1), z.literal(-1)]),
    correction: z.string().nullable(),
    comment: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string().openapi({ description: 'When the rating was last given' }),
  })
  .openapi('Feedback');

const FeedbackBody = z
  .strictObject({
    rating: z.union([z.literal(1), z.literal(-1)]).openapi({ description: '1: good, -1: bad' }),
    correction: z.string().min(1).max(maxCorrectionChars).optional().openapi({ description: 'What the answer should have been' }),
    comment: z.string().min(1).max(maxCommentChars).optional(),
  })
  .openapi('RateRun');

const ListFeedbackQuery = z.object({
  agent: idSchema.optional(),
  rating: z.enum(['1', '-1']).optional().openapi({ description: '1 or -1' }),
  runId: idSchema.optional(),
  cursor: CursorQuery,
  limit: LimitQuery,
});

const FeedbackPage = z.object({ data: z.array(FeedbackSchema), nextCursor: z.string().nullable() }).openapi('FeedbackPage');

/** `POST /v1/runs/{id}/feedback`, `GET /v1/feedback`. */
export const feedbackRoutes: RouteModule = {
  name: 'feedback',
  register(app, context) {
    registerRoute(app, {
      method: 'post',
      path: '/v1/runs/{id}/feedback',
      tags: ['feedback'],
      summary: 'Rate a run for its end user: thumbs up or down, with a correction or a comment',
      description:
        "The rating is the run's end user's: one per run, and rating again replaces it. An app key acting for one user passes " +
        "?userId= so that another user's run answers 404. Ratings export as evaluation cases (`keel feedback export`).",
      permission: 'feedback:create',
      notFoundCode: 'RUN_NOT_FOUND',
      request: { params: RunIdParams, query: UserFilterQuery, body: FeedbackBody },
      responses: { 200: { description: 'The feedback as stored', content: { 'application/json': { schema: FeedbackSchema } } } },
      async handler(c, { params, query, body }) {
        return c.json(await rateRun(context.store, { tenantId: c.get('principal').tenantId, runId: params.id, ...query, ...body, now: new Date() }));
      },
    });

    registerRoute(app, {
      method: 'get',
      path: '/v1/feedback',
      tags: ['feedback'],
      summary: 'Ratings of runs, most recently given first',
      permission: 'feedback:read',
      request: { query: ListFeedbackQuery },
      responses: { 200: { description: 'A page of feedback', content: { 'application/json': { schema: FeedbackPage } } } },
      async handler(c, { query }) {
        const { rating, ...rest } = query;
        const page = await context.store.listFeedback(c.get('principal').tenantId, {
          ...rest,
          ...(rating === undefined ? {} : { rating: rating === '1' ? 1 : -1 }),
        });
        return c.json({ data: page.feedback, nextCursor: page.nextCursor ?? null });
      },
    });
  },
};
