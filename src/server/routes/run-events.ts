import { z } from '@hono/zod-openapi';
import { terminalStatuses, type JournalEntry } from '../../journal/events.ts';
import { decimalIntegerSchema, RunIdParams, UserFilterQuery } from '../schemas.ts';
import { sseResponse, type SseFrame } from '../sse.ts';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';
import { findRun } from './runs.ts';

/** A journal sequence number as text: what the server sent as `id:` (ADR 0009). */
const seqSchema = decimalIntegerSchema({ min: 0, max: Number.MAX_SAFE_INTEGER });

const EventsHeaders = z.object({
  // An empty Last-Event-ID is no resume point (EventSource never sends one; some proxies do).
  'last-event-id': z
    .string()
    .transform((text) => (text === '' ? undefined : text))
    .pipe(seqSchema.optional())
    .optional()
    .openapi({
      param: { name: 'last-event-id', in: 'header' },
      type: 'integer',
      description: 'The last `id:` received: resume after it (wins over ?after=). Decimal digits; empty is ignored',
    }),
});

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
        'Reconnect with Last-Event-ID (or ?after=) to receive exactly what was missed; either must be decimal digits ' +
        '(a sequence number as sent in `id:`), anything else is INPUT_INVALID, and an empty Last-Event-ID is ignored. Comments (`: keep-alive`) every 15 s ' +
        'keep idle streams open. The stream ends after `run-end`. Works for runs executing in any process sharing the store. ' +
        'A run waiting for a person stays on the stream: `approval-request` and `approval-decision`, `escalation-open` (with the ' +
        "handoff package), `escalation-reply` — a human's reply to the end user: show its `message` as the assistant's — and " +
        '`escalation-resolve` arrive as they are journaled.',
      permission: 'runs:read',
      notFoundCode: 'RUN_NOT_FOUND',
      request: { params: RunIdParams, query: EventsQuery, headers: EventsHeaders },
      responses: { 200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } } },
      async handler(c, { params, query, headers }) {
        const { tenantId } = c.get('principal');
        const afterSeq = headers['last-event-id'] ?? query.after ?? 0;
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
            // A client leaving is how most streams end: not worth more than a debug line.
            onEnd: (end) => log.debug({ runId: params.id, end }, 'event stream closed'),
          },
        );
      },
    });
  },
};
