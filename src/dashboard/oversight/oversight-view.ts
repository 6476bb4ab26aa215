import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { KeelError, type ErrorCode } from '../../errors/index.ts';
import type { Actor } from '../../journal/events.ts';
import { ReviewerName } from '../../server/oversight-schemas.ts';
import { idSchema } from '../../server/schemas.ts';
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
 * signed-in key's id (never anything the form says) and the reviewer's name from the form, when
 * given. The name is remembered in a cookie so the next form comes filled in.
 */
export function dashboardActor(c: Context<DashboardEnv>, form: FormBody): Actor {
  const { keyId } = c.get('principal');
  const given = field(form, 'reviewer')?.trim();
  if (given === undefined || given === '') return { kind: 'key', keyId };
  const parsed = ReviewerName.safeParse(given);
  if (!parsed.success)
    throw new KeelError({ code: 'INPUT_INVALID', message: 'That reviewer name cannot be recorded: use a plain name.', details: { field: 'reviewer' } });
  setCookie(c, reviewerCookie, parsed.data, { path: '/ui', httpOnly: true, sameSite: 'Strict', maxAge: 180 * 24 * 60 * 60 });
  return { kind: 'key', keyId, name: parsed.data };
}

/** The name the signed-in reviewer last decided under, to fill the forms' reviewer field. */
export function rememberedReviewer(c: Context<DashboardEnv>): string {
  const value = getCookie(c, reviewerCookie) ?? '';
  return ReviewerName.safeParse(value).success ? value : '';
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

/** The reviewer-name field every deciding form carries. */
export function reviewerField(idPrefix: string, remembered: string): Html {
  return html`<div class="field">
    <label for="${idPrefix}-reviewer">Your name <span class="muted">(recorded with the decision)</span></label>
    <input id="${idPrefix}-reviewer" name="reviewer" value="${remembered}" autocomplete="name" maxlength="100" />
  </div>`;
}

/** A problem with the last submission, announced to screen readers, with the schema's issues when there are any. */
export function problemBlock(id: string, problem: { message: string; issues?: ReadonlyArray<{ path: string; message: string }> } | undefined): Html | string {
  if (problem === undefined) return '';
  return html`<div class="problem" role="alert" id="${id}">
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
