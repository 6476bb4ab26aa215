import type { Context } from 'hono';
import { z } from 'zod';
import { KeelError } from '../../errors/index.ts';
import { terminalStatuses, type JournalEntry } from '../../journal/events.ts';
import { decimalIntegerSchema, idSchema } from '../../server/schemas.ts';
import type { RunRecord } from '../../store/store.ts';
import type { DashboardContext, DashboardEnv, DashboardPage } from '../dashboard-types.ts';
import { durationBetween, formatCount, formatTime, formatUsd, jsonBlock, statusBadge } from '../format.ts';
import { html, type Html } from '../html.ts';
import { layout } from '../layout.ts';
import { parseQuery } from '../query-input.ts';
import { requirePermission } from '../session.ts';
import { timelineItem, timelineMemory } from '../timeline-items.ts';

const LiveQuery = z.object({ after: decimalIntegerSchema({ min: 0, max: Number.MAX_SAFE_INTEGER }).optional() }).strict();

/**
 * `GET /ui/runs/{id}`: a run's facts and its timeline, one item per journal entry that says
 * something (model calls with latency, tokens and cost; tool calls with arguments and results;
 * guardrail verdicts; approvals; retries and fallbacks; waits; the end). While the run is
 * unfinished, `live-timeline.js` follows the run's event stream (`/v1/runs/{id}/events`, with
 * the session cookie) and, on each entry, fetches `GET /ui/runs/{id}/live?after=N`: the facts
 * and the items after N, rendered here, so the page never builds markup from run data itself.
 */
export const runTimelinePage: DashboardPage = {
  name: 'run-timeline',
  register(ui, context) {
    ui.get('/runs/:id', async (c) => {
      requirePermission(c, 'runs:read');
      const { run, entries } = await load(c, context);
      const live = !terminalStatuses.includes(run.status);
      const memory = timelineMemory(entries);
      const body = html`<section aria-labelledby="facts-title">
          <h2 id="facts-title" class="visually-hidden">Facts</h2>
          <div id="run-facts">${facts(run)}</div>
        </section>
        <h2>Timeline ${live ? html`<span class="live" id="live-note" role="status">live</span>` : ''}</h2>
        ${run.erasedAt === null ? '' : html`<p class="muted">This run's content was erased with its session on ${formatTime(run.erasedAt)}.</p>`}
        <ol
          class="timeline"
          id="timeline"
          aria-live="polite"
          data-run-id="${run.id}"
          data-last-seq="${entries.at(-1)?.seq ?? 0}"
          data-live="${live ? 'true' : 'false'}"
        >
          ${entries.map((entry) => timelineItem(entry, memory))}
        </ol>`;
      return c.html(layout(c, { title: `Run ${run.id}`, current: 'runs', body, scripts: live ? ['live-timeline.js'] : [] }));
    });

    ui.get('/runs/:id/live', async (c) => {
      requirePermission(c, 'runs:read');
      const { after = 0 } = parseQuery(LiveQuery, c.req.queries());
      const { run, entries } = await load(c, context);
      const memory = timelineMemory(entries);
      const fresh = entries.filter((entry) => entry.seq > after);
      return c.html(
        html`<template id="live-facts">${facts(run)}</template>
          <template id="live-items" data-last-seq="${entries.at(-1)?.seq ?? after}" data-finished="${terminalStatuses.includes(run.status) ? 'true' : 'false'}"
            >${fresh.map((entry) => timelineItem(entry, memory))}</template
          >`,
      );
    });
  },
};

async function load(c: Context<DashboardEnv>, context: DashboardContext): Promise<{ run: RunRecord; entries: JournalEntry[] }> {
  const id = c.req.param('id') ?? '';
  const run = idSchema.safeParse(id).success ? await context.store.getRun(c.get('principal').tenantId, id) : undefined;
  if (run === undefined) throw new KeelError({ code: 'RUN_NOT_FOUND', message: 'There is no such run in this tenant' });
  const entries = await context.store.readJournal(run.id);
  // The run may have ended between the two reads: its record is read again, so the page never
  // shows a run as live whose journal already holds its end (the stream after it would be empty).
  const ended = entries.at(-1)?.type === 'run-end';
  const current = ended && !terminalStatuses.includes(run.status) ? ((await context.store.getRun(run.tenantId, run.id)) ?? run) : run;
  return { run: current, entries };
}

function facts(run: RunRecord): Html {
  return html`<dl class="run-facts">
    <dt>Status</dt>
    <dd>${statusBadge(run.status, run.waitingReason)}${run.cancelRequested ? ' (cancellation requested)' : ''}</dd>
    <dt>Agent</dt>
    <dd>${run.agent}</dd>
    <dt>User</dt>
    <dd>${run.userId}</dd>
    <dt>Session</dt>
    <dd class="mono">${run.sessionId}</dd>
    <dt>Created</dt>
    <dd>${formatTime(run.createdAt)}</dd>
    <dt>Duration</dt>
    <dd>${durationBetween(run.startedAt, run.endedAt)}</dd>
    <dt>Tokens</dt>
    <dd>
      ${formatCount(run.usage.inputTokens)} in / ${formatCount(run.usage.outputTokens)}
      out${run.usage.cachedTokens > 0 ? ` (${formatCount(run.usage.cachedTokens)} cached)` : ''}
    </dd>
    <dt>Cost</dt>
    <dd>${formatUsd(run.costUsd)}</dd>
    <dt>Trace</dt>
    <dd class="mono">${run.traceId}</dd>
    ${
      run.output === null
        ? ''
        : html`<dt>Output</dt>
            <dd>${jsonBlock(run.output, 'Run output')}</dd>`
    }
    ${
      run.error === null
        ? ''
        : html`<dt>Error</dt>
            <dd class="problem"><code>${run.error.code}</code> ${run.error.message}</dd>`
    }
  </dl>`;
}
