import { z } from '@hono/zod-openapi';
import { KeelError } from '../../errors/index.ts';
import { terminalStatuses, type JournalEntry } from '../../journal/events.ts';
import { RunIdParams, UserFilterQuery } from '../schemas.ts';
import { sseResponse, type SseFrame } from '../sse.ts';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';
import { findRun } from './runs.ts';

const seqSchema = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const EventsQuery = UserFilterQuery.extend({
  after: seqSchema
    .optional()
    .openapi({ type: 'integer', description: 'Send only entries with a greater sequence number (Last-Event-ID wins when both are given)' }),
});

/** One journal entry as an SSE frame: `id` is its sequence number, `event` its type. */
export function journalFrame(entry: JournalEntry): SseFrame {
  return { id: String(entry.seq), event: entry.type, data: JSON.stringify(entry) };
}

/** `GET /v1/runs/{id}/events`: the run's journal as server-sent events, live until `run-end`. */
export const runEventRoutes: RouteModule = {
  name: 'run-events',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/v1/runs/{id}/events',
      tags: ['runs'],
      summary: "Stream a run's journal (SSE)",
      description:
        'Every journal entry as one event: `id:` is its sequence number, `event:` its type, `data:` the entry as JSON. ' +
        'Reconnect with Last-Event-ID (or ?after=) to receive exactly what was missed. Comments (`: keep-alive`) every 15 s ' +
        'keep idle streams open. The stream ends after `run-end`. Works for runs executing in any process sharing the store. ' +
        'A run waiting for a person stays on the stream: `approval-request` and `approval-decision`, `escalation-open` (with the ' +
        "handoff package), `escalation-reply` — a human's reply to the end user: show its `message` as the assistant's — and " +
        '`escalation-resolve` arrive as they are journaled.',
      permission: 'runs:read',
      notFoundCode: 'RUN_NOT_FOUND',
      request: { params: RunIdParams, query: EventsQuery },
      responses: { 200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } } },
      async handler(c, { params, query }) {
        const { tenantId } = c.get('principal');
        const lastEventId = c.req.header('last-event-id');
        let afterSeq = query.after ?? 0;
        if (lastEventId !== undefined && lastEventId.trim() !== '') {
          const parsed = seqSchema.safeParse(lastEventId.trim());
          if (!parsed.success) throw new KeelError({ code: 'INPUT_INVALID', message: 'Last-Event-ID must be a journal sequence number' });
          afterSeq = parsed.data;
        }
        // Checked before the stream starts, so an unknown run is a plain 404.
        const run = await findRun(context, tenantId, params.id, query.userId);
        // A client that already has `run-end` (the last entry) reconnected: nothing will follow.
        const finished = terminalStatuses.includes(run.status) && afterSeq >= run.lastSeq;
        const log = c.get('log');
        return sseResponse(
          async function* (signal) {
            if (finished) return;
            for await (const entry of context.runtime.events(params.id, { tenantId, afterSeq, signal })) yield journalFrame(entry);
          },
          {
            heartbeatMs: context.heartbeatMs,
            streams: context.metrics.streams,
            endSignal: context.shutdownSignal,
            onError: (error) => log.error({ err: error, runId: params.id }, 'event stream failed'),
          },
        );
      },
    });
  },
};
