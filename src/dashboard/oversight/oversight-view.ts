import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { KeelError, type ErrorCode } from '../../errors/index.ts';
import type { Actor } from '../../journal/events.ts';
import { ReviewerName } from '../../server/oversight-schemas.ts';
import { idSchema } from '../../server/schemas.ts';
import type { RunRecord } from '../../store/store.ts';
import type { DashboardEnv } from '../dashboard-types.ts';
import { html, type Html } from '../html.ts';
import { field, type FormBody } from './decision-form.ts';

/**
 * What the approval and escalation pages share: who decides (the actor, recorded as the API
 * records it), the reviewer's remembered name, ids from the path, and small renderings.
 */

const reviewerCookie = 'keel_reviewer';

/**
 * The actor of a decision made in the dashboard, as `POST /v1/approvals/{id}` records it: the
 * signed-in key's id (never anything the form says) and the reviewer's name — the form's
 * `reviewer` field when it has one (as the API's body), else the name this browser saved
 * (`POST /ui/reviewer`, the API's `X-Keel-Reviewer` header in effect).
 */
export function dashboardActor(c: Context<DashboardEnv>, form: FormBody): Actor {
  const { keyId } = c.get('principal');
  const given = field(form, 'reviewer')?.trim();
  if (given === undefined || given === '') {
    const saved = rememberedReviewer(c);
    return saved === '' ? { kind: 'key', keyId } : { kind: 'key', keyId, name: saved };
  }
  return { kind: 'key', keyId, name: reviewerName(given) };
}

/** A reviewer name as the API accepts it (`reviewer`), or `INPUT_INVALID`. */
export function reviewerName(given: string): string {
  const parsed = ReviewerName.safeParse(given);
  if (!parsed.success)
    throw new KeelError({
      code: 'INPUT_INVALID',
      message: 'That name cannot be recorded: use a plain name of at most 100 characters.',
      details: { field: 'reviewer' },
    });
  return parsed.data;
}

/** The name this browser decides under (empty when none was saved, or the cookie holds something no form could have saved). */
export function rememberedReviewer(c: Context<DashboardEnv>): string {
  const value = getCookie(c, reviewerCookie) ?? '';
  return ReviewerName.safeParse(value).success ? value : '';
}

/** Saves (or, with an empty name, forgets) the name this browser decides under; not a secret, but only this origin's pages read it. */
export function saveReviewer(c: Context<DashboardEnv>, name: string): void {
  const secure = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
  if (name === '') deleteCookie(c, reviewerCookie, { path: '/ui', secure });
  else setCookie(c, reviewerCookie, name, { path: '/ui', httpOnly: true, sameSite: 'Strict', secure, maxAge: 180 * 24 * 60 * 60 });
}

/**
 * The name field of the pages where people decide: saved once for this browser, then recorded
 * with each decision next to the key's id. A plain form (`POST /ui/reviewer`), back to `next`.
 */
export function reviewerBar(c: Context<DashboardEnv>, next: string): Html {
  const name = rememberedReviewer(c);
  return html`<form class="filters reviewer" method="post" action="/ui/reviewer">
    <div>
      <label for="reviewer-name">Your name</label>
      <input id="reviewer-name" name="name" value="${name}" autocomplete="name" maxlength="100" aria-describedby="reviewer-note" />
    </div>
    <input type="hidden" name="next" value="${next}" />
    <div><button type="submit" class="secondary">Save name</button></div>
    <p id="reviewer-note" class="muted">
      ${
        name === ''
          ? `Decisions are recorded with your key (${c.get('principal').keyId}); save a name to record it with them.`
          : `Decisions record your key (${c.get('principal').keyId}) and this name.`
      }
    </p>
  </form>`;
}

/** An id from the path, or the not-found page: an id that cannot exist is simply not found, as in the API. */
export function pathId(c: Context<DashboardEnv>, notFound: ErrorCode): string {
  const parsed = idSchema.safeParse(c.req.param('id'));
  if (!parsed.success) throw new KeelError({ code: notFound, message: 'No such object' });
  return parsed.data;
}

/** Whether htmx sent the request (it then wants a fragment, not a page). */
export function fromHtmx(c: Context<DashboardEnv>): boolean {
  return c.req.header('hx-request') === 'true';
}

/** A value as indented JSON, for a `<pre>`: escaped by the template like any text. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}

/** Who decided, for people: the reviewer's name and the key, or what the system did. */
export function actorLabel(actor: Actor | null): string {
  if (actor === null) return 'unknown';
  if (actor.kind === 'system') return `the system${actor.name === undefined ? '' : ` (${actor.name})`}`;
  const who = actor.name ?? (actor.kind === 'cli' ? 'the command line' : 'a reviewer');
  return actor.keyId === undefined ? who : `${who} (key ${actor.keyId})`;
}

/** A timestamp with its age: `<time datetime="…" title="…">4 min ago</time>`. */
export function timeAgo(iso: string, now = Date.now()): Html {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const age =
    seconds < 60
      ? `${seconds} s ago`
      : seconds < 3600
        ? `${Math.floor(seconds / 60)} min ago`
        : seconds < 86_400
          ? `${Math.floor(seconds / 3600)} h ago`
          : `${Math.floor(seconds / 86_400)} d ago`;
  return html`<time datetime="${iso}" title="${iso}">${age}</time>`;
}

/** A problem with the last submission, announced to screen readers, with the schema's issues when there are any. */
export function problemBlock(id: string, problem: { message: string; issues?: ReadonlyArray<{ path: string; message: string }> } | undefined): Html | string {
  if (problem === undefined) return '';
  // Focus moves to it when htmx swaps it in (or the page loads with it): a keyboard user lands on what went wrong.
  return html`<div class="problem" role="alert" id="${id}" tabindex="-1" autofocus>
    <p>${problem.message}</p>
    ${
      problem.issues === undefined || problem.issues.length === 0
        ? ''
        : html`<ul>
            ${problem.issues.map((issue) => html`<li><code>${issue.path === '' ? '(the whole value)' : issue.path}</code>: ${issue.message}</li>`)}
          </ul>`
    }
  </div>`;
}

/** The problem to show for an error a decision threw: its message and, for a schema failure, the issues. */
export function problemOf(error: KeelError): { message: string; issues?: Array<{ path: string; message: string }> } {
  const issues = error.details?.issues;
  const list = Array.isArray(issues)
    ? issues.flatMap((issue: unknown) =>
        typeof issue === 'object' && issue !== null && 'message' in issue
          ? [{ path: String((issue as { path?: unknown }).path ?? ''), message: String((issue as { message: unknown }).message) }]
          : [],
      )
    : [];
  return { message: error.message, ...(list.length === 0 ? {} : { issues: list }) };
}

/**
 * A run's state next to its link. While the run moves (queued, running) — after a decision, a
 * hand-back — htmx asks `source` for it every second, until it comes to rest (ends, or waits
 * again): the reviewer sees what their decision did without reloading.
 */
export function runState(run: RunRecord | undefined, source: string): Html {
  if (run === undefined) return html`<span class="muted">(gone)</span>`;
  const label = run.status === 'waiting' && run.waitingReason !== null ? `waiting: ${run.waitingReason}` : run.status;
  const moving = run.status === 'queued' || run.status === 'running';
  return html`<span class="run-state" ${moving ? html`hx-get="${source}" hx-trigger="every 1s" hx-swap="outerHTML"` : ''}
    ><span class="status status-${run.status}" data-run-status="${run.status}">${label}</span></span
  >`;
}
