import type { Context } from 'hono';
import { z } from 'zod';
import { decodeRunCursor } from '../../store/list-runs-paging.ts';
import type { RunRecord } from '../../store/store.ts';
import type { DashboardContext, DashboardEnv, DashboardPage } from '../dashboard-types.ts';
import { durationBetween, formatCount, formatTime, formatUsd, statusBadge } from '../format.ts';
import { html, type Html } from '../html.ts';
import { layout } from '../layout.ts';
import { nameInput, parseQuery, timeInput } from '../query-input.ts';
import { requirePermission } from '../session.ts';

const statuses = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'] as const;

/** The filters of the runs page, as its form sends them. */
const RunsQuery = z
  .object({
    status: z.enum(statuses).optional(),
    agent: nameInput.optional(),
    user: nameInput.optional(),
    from: timeInput.optional(),
    to: timeInput.optional(),
    cursor: z
      .string()
      .max(300)
      .refine((cursor) => {
        try {
          decodeRunCursor(cursor);
          return true;
        } catch {
          return false;
        }
      }, 'not a cursor this server produced')
      .optional(),
  })
  .strict();
type RunsFilters = z.output<typeof RunsQuery>;

const pageSize = 50;

/**
 * `GET /ui/runs`: the tenant's runs, newest first, filtered by status, agent, end user and
 * creation time, in keyset pages (the store's cursor: a deep page costs what the first does).
 * The first page refreshes its rows every two seconds (`GET /ui/runs/rows`, htmx), so a new run
 * appears and its status changes without a reload.
 */
export const runsPage: DashboardPage = {
  name: 'runs',
  register(ui, context) {
    ui.get('/runs', async (c) => {
      requirePermission(c, 'runs:read');
      const filters = parseQuery(RunsQuery, c.req.queries());
      const page = await listPage(c, context, filters);
      return c.html(layout(c, { title: 'Runs', current: 'runs', body: runsBody(context, filters, page) }));
    });

    ui.get('/runs/rows', async (c) => {
      requirePermission(c, 'runs:read');
      const filters = parseQuery(RunsQuery, c.req.queries());
      const page = await listPage(c, context, filters);
      return c.html(rows(page.runs));
    });
  },
};

async function listPage(c: Context<DashboardEnv>, context: DashboardContext, filters: RunsFilters) {
  return context.store.listRuns({
    tenantId: c.get('principal').tenantId,
    limit: pageSize,
    ...(filters.status === undefined ? {} : { status: filters.status }),
    ...(filters.agent === undefined ? {} : { agent: filters.agent }),
    ...(filters.user === undefined ? {} : { userId: filters.user }),
    ...(filters.from === undefined ? {} : { createdAfter: filters.from }),
    ...(filters.to === undefined ? {} : { createdBefore: filters.to }),
    ...(filters.cursor === undefined ? {} : { cursor: filters.cursor }),
  });
}

function query(filters: RunsFilters, cursor?: string): string {
  const parameters = new URLSearchParams();
  if (filters.status !== undefined) parameters.set('status', filters.status);
  if (filters.agent !== undefined) parameters.set('agent', filters.agent);
  if (filters.user !== undefined) parameters.set('user', filters.user);
  if (filters.from !== undefined) parameters.set('from', filters.from.toISOString());
  if (filters.to !== undefined) parameters.set('to', filters.to.toISOString());
  if (cursor !== undefined) parameters.set('cursor', cursor);
  const text = parameters.toString();
  return text === '' ? '' : `?${text}`;
}

/** A `datetime-local` field's value for a filter time (UTC, to the minute). */
function localValue(date: Date | undefined): string {
  return date === undefined ? '' : date.toISOString().slice(0, 16);
}

function runsBody(context: DashboardContext, filters: RunsFilters, page: { runs: RunRecord[]; nextCursor?: string }): Html {
  const agents = [...context.runtime.config.agents.keys()];
  const first = filters.cursor === undefined;
  return html`<form class="filters" method="get" action="/ui/runs" role="search" aria-label="Filter runs">
      <div>
        <label for="filter-status">Status</label>
        <select id="filter-status" name="status">
          <option value="">Any</option>
          ${statuses.map((status) => html`<option value="${status}" ${filters.status === status ? 'selected' : ''}>${status}</option>`)}
        </select>
      </div>
      <div>
        <label for="filter-agent">Agent</label>
        <input id="filter-agent" name="agent" list="agent-names" value="${filters.agent ?? ''}" />
        <datalist id="agent-names">${agents.map((agent) => html`<option value="${agent}"></option>`)}</datalist>
      </div>
      <div>
        <label for="filter-user">User</label>
        <input id="filter-user" name="user" value="${filters.user ?? ''}" />
      </div>
      <div>
        <label for="filter-from">Created from (UTC)</label>
        <input id="filter-from" name="from" type="datetime-local" value="${localValue(filters.from)}" />
      </div>
      <div>
        <label for="filter-to">Created before (UTC)</label>
        <input id="filter-to" name="to" type="datetime-local" value="${localValue(filters.to)}" />
      </div>
      <button type="submit">Filter</button>
      <a class="button secondary" href="/ui/runs">Clear</a>
    </form>
    <table aria-describedby="runs-note">
      <caption>
        ${first ? 'Newest runs' : 'Older runs'}
        <span id="runs-note" class="muted">${first ? '(updates every 2 s)' : ''}</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Agent</th>
          <th scope="col">User</th>
          <th scope="col">Status</th>
          <th scope="col">Created (UTC)</th>
          <th scope="col" class="num">Duration</th>
          <th scope="col" class="num">Tokens</th>
          <th scope="col" class="num">Cost</th>
        </tr>
      </thead>
      <tbody id="run-rows" ${first ? html`hx-get="/ui/runs/rows${query(filters)}" hx-trigger="every 2s"` : ''}>
        ${rows(page.runs)}
      </tbody>
    </table>
    <nav class="pager" aria-label="Pages">
      ${first ? '' : html`<a href="/ui/runs${query(filters)}">Newest</a>`}
      ${page.nextCursor === undefined ? html`<span class="muted">No older runs</span>` : html`<a href="/ui/runs${query(filters, page.nextCursor)}" rel="next">Older runs</a>`}
    </nav>`;
}

function rows(runs: RunRecord[]): Html {
  if (runs.length === 0)
    return html`<tr>
      <td colspan="8" class="muted">No runs match.</td>
    </tr>`;
  return html`${runs.map(
    (run) =>
      html`<tr data-run-id="${run.id}">
        <td><a href="/ui/runs/${encodeURIComponent(run.id)}" class="mono">${run.id}</a></td>
        <td>${run.agent}</td>
        <td>${run.userId}</td>
        <td>${statusBadge(run.status, run.waitingReason)}</td>
        <td>${formatTime(run.createdAt)}</td>
        <td class="num">${durationBetween(run.startedAt, run.endedAt)}</td>
        <td class="num">${formatCount(run.usage.inputTokens + run.usage.outputTokens)}</td>
        <td class="num">${formatUsd(run.costUsd)}</td>
      </tr>`,
  )}`;
}
