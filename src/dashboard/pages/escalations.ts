import type { Context } from 'hono';
import { z } from 'zod';
import { KeelError, toKeelError } from '../../errors/index.ts';
import { escalationDetail } from '../../oversight/escalation-detail.ts';
import { roleHas } from '../../server/auth/permissions.ts';
import type { EscalationRecord } from '../../store/oversight-store.ts';
import type { DashboardContext, DashboardEnv, DashboardPage } from '../dashboard-types.ts';
import { html, type Html } from '../html.ts';
import { layout } from '../layout.ts';
import { checked, field, replyFromForm, type FormBody } from '../oversight/decision-form.ts';
import { escalationRow, escalationView, type EscalationViewOptions } from '../oversight/escalation-view.ts';
import { dashboardActor, fromHtmx, pathId, problemOf, reviewerBar, runState } from '../oversight/oversight-view.ts';
import { parseQuery } from '../query-input.ts';
import { requirePermission } from '../session.ts';
import { readForm } from '../form-body.ts';

const pageSize = 50;
const styles = ['oversight.css'];

const statuses = ['open', 'handed-back', 'resolved'] as const;

const QueueQuery = z
  .object({
    status: z.enum([...statuses, 'all']).default('open'),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

/** Errors of an answer the page explains in place; anything else is the error page. */
const explained = new Set(['INPUT_INVALID', 'ESCALATION_CLOSED', 'RUN_NOT_WAITING']);

/**
 * Escalations: `GET /ui/escalations` (open by default; handed back, resolved or all), and
 * `GET /ui/escalations/{id}` with the handoff package, where a reviewer replies to the user
 * (`POST …/reply`, optionally handing the conversation back to the agent) or resolves it
 * (`POST …/resolve`) — the runtime's own `replyToEscalation` and `resolveEscalation`, behind the
 * API's permissions (`escalations:read`, `escalations:respond`), the signed-in key recorded as
 * the actor. A plain form post is answered with a redirect back to the escalation; an htmx one
 * with the escalation alone.
 */
export const escalationsPage: DashboardPage = {
  name: 'escalations',
  register(ui, context) {
    ui.get('/escalations', async (c) => {
      requirePermission(c, 'escalations:read');
      const query = parseQuery(QueueQuery, c.req.queries());
      const page = await context.store.listEscalations(c.get('principal').tenantId, {
        ...(query.status === 'all' ? {} : { status: query.status }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        limit: pageSize,
      });
      const body = html`${filters(query.status)} ${list(page.escalations, query.status)}
      ${
        page.nextCursor === undefined
          ? ''
          : html`<nav class="pager" aria-label="Pages">
              <a href="/ui/escalations?${new URLSearchParams({ status: query.status, cursor: page.nextCursor }).toString()}">Older escalations</a>
            </nav>`
      }`;
      return c.html(layout(c, { title: 'Escalations', current: 'escalations', body, styles }));
    });

    ui.get('/escalations/:id', async (c) => {
      requirePermission(c, 'escalations:read');
      const escalation = await detail(c, context);
      const notice = c.req.query('answered') === undefined ? undefined : noticeOf(escalation);
      return c.html(single(c, escalation, await viewOptions(c, context, escalation, notice === undefined ? {} : { notice })));
    });

    ui.get('/escalations/:id/run', async (c) => {
      requirePermission(c, 'escalations:read');
      // Polled every second while the run moves: the inbox row alone, not the journal the detail reads.
      const escalation = await context.store.getEscalation(c.get('principal').tenantId, pathId(c, 'ESCALATION_NOT_FOUND'));
      if (escalation === undefined) throw new KeelError({ code: 'ESCALATION_NOT_FOUND', message: 'No such escalation' });
      return c.html(runState(await context.store.getRun(escalation.tenantId, escalation.runId), `/ui/escalations/${encodeURIComponent(escalation.id)}/run`));
    });

    ui.post('/escalations/:id/reply', (c) =>
      answer(c, context, 'reply', async (form, actor, escalation) => {
        const reply = replyFromForm(form);
        await context.runtime.replyToEscalation(escalation.id, reply, { tenantId: escalation.tenantId, actor });
      }),
    );

    ui.post('/escalations/:id/resolve', (c) =>
      answer(c, context, 'resolve', async (form, actor, escalation) => {
        await context.runtime.resolveEscalation(escalation.id, { endSession: checked(form, 'endSession') }, { tenantId: escalation.tenantId, actor });
      }),
    );
  },
};

/** Replies or resolves: permission, the tenant's escalation (else 404), the form, then the runtime; a refusal is shown in place. */
async function answer(
  c: Context<DashboardEnv>,
  context: DashboardContext,
  form: 'reply' | 'resolve',
  act: (body: FormBody, actor: ReturnType<typeof dashboardActor>, escalation: EscalationRecord) => Promise<void>,
): Promise<Response> {
  requirePermission(c, 'escalations:respond');
  const escalation = await detail(c, context);
  const body: FormBody = await readForm(c);
  try {
    await act(body, dashboardActor(c, body), escalation);
    c.get('log').info({ escalationId: escalation.id, action: form }, 'escalation answered in the dashboard');
  } catch (thrown) {
    const error = toKeelError(thrown);
    if (!explained.has(error.code)) throw thrown;
    const current = await detail(c, context);
    const message = error.code === 'ESCALATION_CLOSED' ? `This escalation is no longer open (${current.status}): nothing was sent.` : problemOf(error).message;
    const options = await viewOptions(c, context, current, { problem: { form, message }, ...draftOf(body) });
    if (fromHtmx(c)) return c.html(escalationView(current, options), error.status as 400);
    return c.html(single(c, current, options), error.status as 400);
  }
  if (!fromHtmx(c)) return c.redirect(`/ui/escalations/${encodeURIComponent(escalation.id)}?answered=1`, 303);
  const current = await detail(c, context);
  return c.html(escalationView(current, await viewOptions(c, context, current, { notice: noticeOf(current) })));
}

async function detail(c: Context<DashboardEnv>, context: DashboardContext) {
  return await escalationDetail(context.store, { tenantId: c.get('principal').tenantId, escalationId: pathId(c, 'ESCALATION_NOT_FOUND') });
}

async function viewOptions(
  c: Context<DashboardEnv>,
  context: DashboardContext,
  escalation: EscalationRecord,
  extra: Partial<EscalationViewOptions>,
): Promise<EscalationViewOptions> {
  return {
    run: await context.store.getRun(escalation.tenantId, escalation.runId),
    canRespond: roleHas(c.get('principal').role, 'escalations:respond'),
    ...extra,
  };
}

function noticeOf(escalation: EscalationRecord): string {
  if (escalation.status === 'resolved') return 'Resolved: the run completed with your last reply as its answer.';
  if (escalation.status === 'handed-back') return 'Sent, and handed back: the agent continues the conversation with your reply in its context.';
  return 'Sent: the user has your reply. The escalation stays open until you hand it back or resolve it.';
}

function single(c: Context<DashboardEnv>, escalation: Awaited<ReturnType<typeof detail>>, options: EscalationViewOptions): Html {
  const body = html`<p><a href="/ui/escalations">← All escalations</a></p>
    ${options.canRespond && escalation.status === 'open' ? reviewerBar(c, `/ui/escalations/${encodeURIComponent(escalation.id)}`) : ''}
    ${escalationView(escalation, options)}`;
  return layout(c, { title: `Escalation ${escalation.id}`, current: 'escalations', body, styles });
}

function filters(status: (typeof statuses)[number] | 'all'): Html {
  const labels = { open: 'Open', 'handed-back': 'Handed back', resolved: 'Resolved', all: 'All' } as const;
  return html`<form class="filters" method="get" action="/ui/escalations">
    <div>
      <label for="filter-status">Status</label>
      <select id="filter-status" name="status">
        ${(['open', 'handed-back', 'resolved', 'all'] as const).map((value) => html`<option value="${value}" ${status === value ? 'selected' : ''}>${labels[value]}</option>`)}
      </select>
    </div>
    <div><button type="submit">Show</button></div>
  </form>`;
}

function list(escalations: readonly EscalationRecord[], status: string): Html {
  if (escalations.length === 0) return html`<p class="card muted">${status === 'open' ? 'No conversation waits for a person.' : 'No escalations match.'}</p>`;
  const now = Date.now();
  return html`<table aria-label="Escalations">
    <thead>
      <tr>
        <th scope="col">Opened</th>
        <th scope="col">Why</th>
        <th scope="col">Pending question</th>
        <th scope="col">Agent</th>
        <th scope="col">User</th>
        <th scope="col">Trigger</th>
        <th scope="col">Status</th>
      </tr>
    </thead>
    <tbody>
      ${escalations.map((escalation) => escalationRow(escalation, now))}
    </tbody>
  </table>`;
}

function draftOf(form: FormBody): { draft?: string } {
  try {
    const message = field(form, 'message');
    return message === undefined ? {} : { draft: message };
  } catch {
    return {};
  }
}
