import { z } from '@hono/zod-openapi';
import { KeelError } from '../../errors/index.ts';
import type { RunRecord } from '../../store/store.ts';
import { decimalIntegerSchema, headerIdentifierSchema, identifierSchema, idSchema, RunIdParams, RunSchema, UserFilterQuery } from '../schemas.ts';
import type { RouteContext, RouteModule } from '../server-types.ts';
import { traceparentOf } from '../traceparent.ts';
import { registerRoute } from './define-route.ts';

const maxMetadataBytes = 16 * 1024;

const StartRunBody = z
  .strictObject({
    agent: idSchema.openapi({ description: 'The agent to run' }),
    input: z.string().min(1).openapi({ description: 'The user message; at most 1 MB' }),
    userId: idSchema.openapi({ description: 'The end user this run is for; sessions belong to one user' }),
    sessionId: idSchema.optional().openapi({ description: 'Continue this session (created when new); default: a new session' }),
    metadata: z
      .record(z.string(), z.unknown())
      .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= maxMetadataBytes, `metadata is at most ${maxMetadataBytes} bytes of JSON`)
      .optional(),
    idempotencyKey: identifierSchema(255)
      .optional()
      .openapi({ description: 'Retrying with the same key returns the same run (or send the Idempotency-Key header)' }),
    createSession: z.boolean().optional().openapi({
      description:
        'false: sessionId must name an existing session of this user, else SESSION_NOT_FOUND (a mistyped id does not start a new conversation). Default true',
    }),
  })
  .refine((body) => body.createSession !== false || body.sessionId !== undefined, {
    message: 'createSession: false needs the sessionId of an existing session',
    path: ['createSession'],
  })
  .openapi('StartRun');

const StartRunHeaders = z.object({
  'idempotency-key': headerIdentifierSchema(255)
    .optional()
    .openapi({ param: { name: 'idempotency-key', in: 'header' }, description: 'The same as the body idempotencyKey; give one or the other, or both alike' }),
});

/** The `Idempotency-Key` header is the common spelling of the body's `idempotencyKey`: one key, given either way. */
function idempotencyKeyOf(header: string | undefined, fromBody: string | undefined): string | undefined {
  if (header !== undefined && fromBody !== undefined && fromBody !== header) {
    throw new KeelError({
      code: 'INPUT_INVALID',
      message: 'The Idempotency-Key header and the body idempotencyKey differ: send one key',
      details: { in: 'header', issues: [{ path: 'idempotency-key', message: 'differs from the body idempotencyKey' }] },
    });
  }
  return header ?? fromBody;
}

const StartedRun = z.object({ id: z.string(), sessionId: z.string(), status: RunSchema.shape.status }).openapi('StartedRun');

const ListRunsQuery = z.object({
  status: RunSchema.shape.status.optional(),
  agent: idSchema.optional(),
  userId: idSchema.optional(),
  sessionId: idSchema.optional(),
  cursor: z.string().min(1).max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
  limit: decimalIntegerSchema({ min: 1, max: 200 }).optional().openapi({ type: 'integer', description: 'Page size, 1 to 200, default 50' }),
});

const RunPage = z.object({ data: z.array(RunSchema), nextCursor: z.string().nullable() }).openapi('RunPage');

/** A run as one caller may see it: in its tenant (the store scopes that) and, if asked, of one user. */
export async function findRun(context: RouteContext, tenantId: string, runId: string, userId?: string): Promise<RunRecord> {
  const run = await context.store.getRun(tenantId, runId);
  if (run === undefined || (userId !== undefined && run.userId !== userId)) {
    throw new KeelError({ code: 'RUN_NOT_FOUND', message: `No run with id "${runId}"` });
  }
  return run;
}

/** `POST /v1/runs`, `GET /v1/runs`, `GET /v1/runs/{id}`, `POST /v1/runs/{id}/cancel`. */
export const runRoutes: RouteModule = {
  name: 'runs',
  register(app, context) {
    registerRoute(app, {
      method: 'post',
      path: '/v1/runs',
      tags: ['runs'],
      summary: 'Start a run',
      description:
        'Enqueues a run durably and answers at once; follow it with GET /v1/runs/{id}/events. ' +
        'The same idempotencyKey (in the body, or as the Idempotency-Key header) returns the same run (header Idempotent-Replayed: true), ' +
        'also for concurrent requests. With createSession: false the sessionId must exist (SESSION_NOT_FOUND otherwise).',
      permission: 'runs:create',
      request: { body: StartRunBody, headers: StartRunHeaders },
      responses: { 202: { description: 'The run is queued', content: { 'application/json': { schema: StartedRun } } } },
      async handler(c, { body, headers }) {
        const { tenantId } = c.get('principal');
        const idempotencyKey = idempotencyKeyOf(headers['idempotency-key'], body.idempotencyKey);
        // Another user's session answers SESSION_NOT_FOUND: the store checks ownership atomically as it creates the run.
        // The caller's trace (W3C traceparent): the run's spans join it; an invalid header is ignored.
        const { run, created } = await context.runtime.startRun({
          ...body,
          tenantId,
          ...traceparentOf(c),
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        });
        if (!created) c.header('Idempotent-Replayed', 'true');
        c.header('Location', `/v1/runs/${run.id}`);
        return c.json({ id: run.id, sessionId: run.sessionId, status: run.status }, 202);
      },
    });

    registerRoute(app, {
      method: 'get',
      path: '/v1/runs',
      tags: ['runs'],
      summary: 'List runs, newest first',
      permission: 'runs:read',
      request: { query: ListRunsQuery },
      responses: { 200: { description: 'A page of runs', content: { 'application/json': { schema: RunPage } } } },
      async handler(c, { query }) {
        const page = await context.store.listRuns({ ...query, tenantId: c.get('principal').tenantId });
        return c.json({ data: page.runs, nextCursor: page.nextCursor ?? null });
      },
    });

    registerRoute(app, {
      method: 'get',
      path: '/v1/runs/{id}',
      tags: ['runs'],
      summary: 'Get a run: status, waiting reason, output, error, usage, timings',
      permission: 'runs:read',
      notFoundCode: 'RUN_NOT_FOUND',
      request: { params: RunIdParams, query: UserFilterQuery },
      responses: { 200: { description: 'The run (the object `keel runs show --json` prints)', content: { 'application/json': { schema: RunSchema } } } },
      async handler(c, { params, query }) {
        return c.json(await findRun(context, c.get('principal').tenantId, params.id, query.userId));
      },
    });

    registerRoute(app, {
      method: 'post',
      path: '/v1/runs/{id}/cancel',
      tags: ['runs'],
      summary: 'Cancel a run that has not ended',
      description: 'Answers with the run as it stands once the cancellation has been carried out or handed to the worker executing it.',
      permission: 'runs:cancel',
      notFoundCode: 'RUN_NOT_FOUND',
      request: { params: RunIdParams, query: UserFilterQuery },
      responses: {
        200: { description: 'The run', content: { 'application/json': { schema: RunSchema } } },
        409: { description: 'The run has already ended (`RUN_NOT_CANCELLABLE`)' },
      },
      async handler(c, { params, query }) {
        const { tenantId } = c.get('principal');
        await findRun(context, tenantId, params.id, query.userId);
        return c.json(await context.runtime.cancelRun(params.id, { tenantId }));
      },
    });
  },
};
