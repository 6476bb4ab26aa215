import type { Context } from 'hono';
import { z } from 'zod';
import { toKeelError, type KeelError } from '../../errors/index.ts';
import { decideApprovals, findApproval } from '../../oversight/approval-inbox.ts';
import { roleHas } from '../../server/auth/permissions.ts';
import { idSchema } from '../../server/schemas.ts';
import type { ApprovalRecord } from '../../store/oversight-store.ts';
import type { DashboardContext, DashboardEnv, DashboardPage } from '../dashboard-types.ts';
import { html, type Html } from '../html.ts';
import { layout } from '../layout.ts';
import { batchForm, batchFormId, batchFromForm, batchResults } from '../oversight/approval-batch.ts';
import { approvalCard, type ApprovalCardOptions } from '../oversight/approval-card.ts';
import { inboxNews, newsLine, NewsQuery } from '../oversight/inbox-news.ts';
import { decisionFromForm, field, type FormBody } from '../oversight/decision-form.ts';
import { actorLabel, dashboardActor, fromHtmx, pathId, problemOf, reviewerBar, runState } from '../oversight/oversight-view.ts';
import { parseQuery } from '../query-input.ts';
import { requirePermission } from '../session.ts';
import { readForm } from '../form-body.ts';

const pageSize = 25;
const styles = ['oversight.css'];

const InboxQuery = z
  .object({
    status: z.enum(['pending', 'decided']).default('pending'),
    agent: idSchema.optional(),
    userId: idSchema.optional(),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

/** Errors of a decision the card explains in place; anything else is the error page. */
const explained = new Set(['INPUT_INVALID', 'APPROVAL_ALREADY_DECIDED', 'RUN_NOT_WAITING']);

const afterDecision: Record<Exclude<ApprovalRecord['status'], 'pending'>, string> = {
  approved: 'Approved: the call runs as proposed',
  edited: 'Approved with your arguments: the call runs with them',
  rejected: 'Rejected: the call does not run; the model is told your reason',
};

/**
 * What happens now, said once after a decision: the run resumes, or — when other gated calls of
 * the same step still wait (parallel calls, decided one by one) — it waits for those.
 */
async function noticeAfter(context: DashboardContext, approval: ApprovalRecord): Promise<string | undefined> {
  if (approval.status === 'pending') return undefined;
  const { approvals } = await context.store.listApprovals(approval.tenantId, { runId: approval.runId, status: 'pending', limit: 100 });
  const siblings = approvals.filter((other) => other.step === approval.step).length;
  const rest =
    siblings === 0
      ? ', and the run resumes.'
      : `. The run resumes once ${siblings === 1 ? 'the other call' : `the ${siblings} other calls`} of its step waiting for approval ${siblings === 1 ? 'is' : 'are'} decided.`;
  return afterDecision[approval.status] + rest;
}

/**
 * The approval inbox: `GET /ui/approvals` (pending or decided, by agent and user, in pages),
 * `GET /ui/approvals/{id}`, and `POST /ui/approvals/{id}` deciding one — the same functions and
 * checks as `POST /v1/approvals/{id}` (`approvals:decide`, the tenant's approvals only, decided
 * once, edited arguments checked against the tool's schema), the signed-in key recorded as the
 * actor. A form post without JavaScript is answered with a redirect to the decided approval; an
 * htmx one with the card alone. A refused decision (bad JSON, a schema failure, already decided)
 * is shown on the card, the reviewer's text kept, nothing changed. `POST /ui/approvals/batch`
 * decides the ticked cards together (`decideApprovals`, as `POST /v1/approvals`);
 * `GET /ui/approvals/news` is the line an open inbox polls for approvals that arrived since.
 */
export const approvalsPage: DashboardPage = {
  name: 'approvals',
  register(ui, context) {
    ui.get('/approvals', async (c) => {
      requirePermission(c, 'approvals:read');
      const query = parseQuery(InboxQuery, c.req.queries());
      const { tenantId, role } = c.get('principal');
      const page = await context.store.listApprovals(tenantId, { ...query, limit: pageSize });
      const canDecide = roleHas(role, 'approvals:decide');
      const batch = canDecide && query.status === 'pending' && page.approvals.length > 1;
      const options = { canDecide, ...(batch ? { batchForm: batchFormId } : {}) };
      const cards = await Promise.all(page.approvals.map(async (approval) => approvalCard(approval, { ...options, run: await runOf(context, approval) })));
      const here = `/ui/approvals${new URL(c.req.url).search}`;
      // An open inbox's first page says when approvals arrive after it was loaded (newer than its newest).
      const live = query.status === 'pending' && query.cursor === undefined;
      const newest = page.approvals[0]?.createdAt ?? new Date().toISOString();
      const news = live ? html`<div aria-live="polite">${newsLine({ after: newest, agent: query.agent, userId: query.userId }, 0)}</div>` : '';
      const body = html`${options.canDecide ? reviewerBar(c, here) : ''} ${filters(query)} ${news} ${batch ? batchForm() : ''}
        <section aria-label="${query.status === 'pending' ? 'Waiting for a decision' : 'Decided'}" class="approvals">
          ${
            cards.length === 0
              ? html`<p class="card muted">${query.status === 'pending' ? 'Nothing waits for a decision.' : 'No decided approvals match.'}</p>`
              : cards
          }
        </section>
        ${page.nextCursor === undefined ? '' : html`<nav class="pager" aria-label="Pages"><a href="/ui/approvals?${nextPage(query, page.nextCursor)}">Older approvals</a></nav>`}`;
      return c.html(layout(c, { title: 'Approvals', current: 'approvals', body, styles }));
    });

    ui.post('/approvals/batch', async (c) => {
      requirePermission(c, 'approvals:decide');
      const form: FormBody = await readForm(c);
      const decisions = batchFromForm(form);
      const log = c.get('log');
      // The batch route's own function: each decision on its own, in order; the tenant's approvals only.
      const results = await decideApprovals(context.runtime, {
        tenantId: c.get('principal').tenantId,
        actor: dashboardActor(c, form),
        decisions,
        onError: (error, approvalId) => log.error({ err: error, approvalId }, 'approval decision failed'),
      });
      log.info({ decided: results.filter((result) => result.outcome === 'decided').length, of: results.length }, 'approvals decided in the dashboard');
      return c.html(layout(c, { title: 'Approvals decided', current: 'approvals', body: batchResults(results), styles }));
    });

    ui.get('/approvals/news', async (c) => {
      requirePermission(c, 'approvals:read');
      return c.html(await inboxNews(context.store, c.get('principal').tenantId, parseQuery(NewsQuery, c.req.queries())));
    });

    ui.get('/approvals/:id', async (c) => {
      requirePermission(c, 'approvals:read');
      const approval = await findApproval(context.store, { tenantId: c.get('principal').tenantId, approvalId: pathId(c, 'APPROVAL_NOT_FOUND') });
      const notice = c.req.query('decided') === undefined ? undefined : await noticeAfter(context, approval);
      return c.html(single(c, await cardOptions(c, context, approval, notice === undefined ? {} : { notice }), approval));
    });

    ui.get('/approvals/:id/run', async (c) => {
      requirePermission(c, 'approvals:read');
      const approval = await findApproval(context.store, { tenantId: c.get('principal').tenantId, approvalId: pathId(c, 'APPROVAL_NOT_FOUND') });
      return c.html(runState(await runOf(context, approval), `/ui/approvals/${encodeURIComponent(approval.id)}/run`));
    });

    ui.post('/approvals/:id', async (c) => {
      requirePermission(c, 'approvals:decide');
      const tenantId = c.get('principal').tenantId;
      // Another tenant's approval, or an unknown one, is the not-found page before the form is read.
      const approval = await findApproval(context.store, { tenantId, approvalId: pathId(c, 'APPROVAL_NOT_FOUND') });
      const form: FormBody = await readForm(c);
      try {
        const decision = decisionFromForm(form);
        const decided = await context.runtime.decideApproval(approval.id, decision, { tenantId, actor: dashboardActor(c, form) });
        c.get('log').info({ approvalId: approval.id, decision: decision.decision }, 'approval decided in the dashboard');
        if (!fromHtmx(c)) return c.redirect(`/ui/approvals/${encodeURIComponent(approval.id)}?decided=1`, 303);
        const notice = await noticeAfter(context, decided);
        return c.html(approvalCard(decided, await cardOptions(c, context, decided, notice === undefined ? {} : { notice })));
      } catch (thrown) {
        const error = toKeelError(thrown);
        if (!explained.has(error.code)) throw thrown;
        const current = (await context.store.getApproval(tenantId, approval.id)) ?? approval;
        const options = await cardOptions(c, context, current, {
          problem: {
            form: formOf(form, error),
            ...problemOf(error),
            ...(error.code === 'APPROVAL_ALREADY_DECIDED' ? { message: alreadyDecided(current) } : {}),
          },
          draft: draftOf(form),
        });
        // htmx 4 swaps error responses too: the card comes back with the problem on it.
        if (fromHtmx(c)) return c.html(approvalCard(current, options), error.status as 400);
        return c.html(single(c, options, current), error.status as 400);
      }
    });
  },
};

async function runOf(context: DashboardContext, approval: ApprovalRecord) {
  return await context.store.getRun(approval.tenantId, approval.runId);
}

async function cardOptions(
  c: Context<DashboardEnv>,
  context: DashboardContext,
  approval: ApprovalRecord,
  extra: Partial<ApprovalCardOptions>,
): Promise<ApprovalCardOptions> {
  return { run: await runOf(context, approval), canDecide: roleHas(c.get('principal').role, 'approvals:decide'), ...extra };
}

function single(c: Context<DashboardEnv>, options: ApprovalCardOptions, approval: ApprovalRecord): Html {
  const body = html`<p><a href="/ui/approvals">← The inbox</a></p>
    ${options.canDecide && approval.status === 'pending' ? reviewerBar(c, `/ui/approvals/${encodeURIComponent(approval.id)}`) : ''}
    ${approvalCard(approval, options)}`;
  return layout(c, { title: `Approval of ${approval.toolName}`, current: 'approvals', body, styles });
}

function filters(query: z.output<typeof InboxQuery>): Html {
  const option = (value: string, label: string) => html`<option value="${value}" ${query.status === value ? 'selected' : ''}>${label}</option>`;
  return html`<form class="filters" method="get" action="/ui/approvals">
    <div>
      <label for="filter-status">Status</label>
      <select id="filter-status" name="status">
        ${option('pending', 'Pending')} ${option('decided', 'Decided')}
      </select>
    </div>
    <div>
      <label for="filter-agent">Agent</label>
      <input id="filter-agent" name="agent" value="${query.agent ?? ''}" />
    </div>
    <div>
      <label for="filter-user">User</label>
      <input id="filter-user" name="userId" value="${query.userId ?? ''}" />
    </div>
    <div><button type="submit">Show</button></div>
  </form>`;
}

function nextPage(query: z.output<typeof InboxQuery>, cursor: string): string {
  const params = new URLSearchParams({ status: query.status, cursor });
  if (query.agent !== undefined) params.set('agent', query.agent);
  if (query.userId !== undefined) params.set('userId', query.userId);
  return params.toString();
}

/** Which of the card's forms the refused submission came from, so its problem shows there. */
function formOf(form: FormBody, error: KeelError): 'approve' | 'reject' | 'edit' | 'any' {
  if (error.code !== 'INPUT_INVALID') return 'any';
  const decision = typeof form.decision === 'string' ? form.decision : undefined;
  return decision === 'approve' || decision === 'reject' || decision === 'edit' ? decision : 'any';
}

function draftOf(form: FormBody): { args?: string; reason?: string } {
  const text = (name: string) => {
    try {
      return field(form, name);
    } catch {
      return undefined;
    }
  };
  const args = text('args');
  const reason = text('reason');
  return { ...(args === undefined ? {} : { args }), ...(reason === undefined ? {} : { reason }) };
}

function alreadyDecided(approval: ApprovalRecord): string {
  if (approval.status === 'pending') return 'Someone is deciding this approval right now: look again in a moment.';
  const when = approval.decidedAt === null ? '' : ` at ${approval.decidedAt}`;
  return `This approval was already decided: ${approval.status} by ${actorLabel(approval.decidedBy)}${when}. Your decision was not applied.`;
}
