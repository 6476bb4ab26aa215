import type { EscalationDetail } from '../../oversight/escalation-detail.ts';
import type { EscalationRecord } from '../../store/oversight-store.ts';
import type { RunRecord } from '../../store/store.ts';
import { jsonBlock } from '../format.ts';
import { html, type Html } from '../html.ts';
import { actorLabel, prettyJson, problemBlock, runState, timeAgo } from './oversight-view.ts';

export interface EscalationViewOptions {
  run: RunRecord | undefined;
  /** Whether the signed-in role may answer (`escalations:respond`). */
  canRespond: boolean;
  problem?: { form: 'reply' | 'resolve'; message: string };
  /** The reply the reviewer typed, kept when it was refused. */
  draft?: string;
  notice?: string;
  now?: number;
}

const statusClasses: Record<EscalationRecord['status'], string> = { open: 'waiting', 'handed-back': 'running', resolved: 'completed' };

export const escalationViewId = (escalation: Pick<EscalationRecord, 'id'>) => `escalation-${escalation.id}`;

/**
 * One escalation as a reviewer works it: the handoff package (what the user wanted, why it
 * reached a person, where it got stuck, the pending question, what was tried, the conversation),
 * the replies so far, and — while it is open and the role may answer — a reply form (send, or
 * send and hand back to the agent) and a resolve form. Every value of the package is interpolated
 * into the template, so text a user or a tool wrote shows as text.
 */
export function escalationView(escalation: EscalationDetail, options: EscalationViewOptions): Html {
  const id = escalationViewId(escalation);
  const handoff = escalation.handoff;
  const tried = Array.isArray(handoff.tried) ? handoff.tried : [];
  const transcript = Array.isArray(handoff.transcript) ? handoff.transcript : [];
  const known = new Set(['summary', 'request', 'trigger', 'stuck', 'pendingQuestion', 'tried', 'steps', 'transcript']);
  const extra = Object.entries(handoff).filter(([key]) => !known.has(key));
  return html`<article class="card escalation" id="${id}" aria-labelledby="${id}-title">
    <header class="approval-head">
      <h2 id="${id}-title">Handoff from <code>${escalation.agent}</code></h2>
      <span class="status status-${statusClasses[escalation.status]}">${escalation.status}</span>
      <span class="muted">opened ${timeAgo(escalation.createdAt, options.now)}</span>
    </header>
    ${options.notice === undefined ? '' : html`<p class="notice" role="status" tabindex="-1" autofocus>${options.notice}</p>`}
    ${escalation.status === 'open' ? '' : problemBlock(`${id}-problem`, options.problem)}
    <dl class="run-facts">
      <dt>Run</dt>
      <dd>
        <a href="/ui/runs/${encodeURIComponent(escalation.runId)}">${escalation.runId}</a>
        ${runState(options.run, `/ui/escalations/${encodeURIComponent(escalation.id)}/run`)}
      </dd>
      <dt>User</dt>
      <dd>${escalation.userId}</dd>
      <dt>Why</dt>
      <dd>${escalation.reason} <span class="muted">(${escalation.trigger})</span></dd>
      ${
        typeof handoff.summary === 'string'
          ? html`<dt>Summary</dt>
              <dd class="prose">${handoff.summary}</dd>`
          : ''
      }
      <dt>The user wanted</dt>
      <dd class="prose">${text(handoff.request)}</dd>
      <dt>Stuck at</dt>
      <dd class="prose">${text(handoff.stuck)}</dd>
      <dt>Pending question</dt>
      <dd class="prose">${text(handoff.pendingQuestion)}</dd>
      <dt>Steps taken</dt>
      <dd>${text(handoff.steps)}</dd>
    </dl>
    <h3>What was tried</h3>
    ${
      tried.length === 0
        ? html`<p class="muted">No tool calls.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Tool</th>
                <th scope="col">Arguments</th>
                <th scope="col">Outcome</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              ${tried.map((call: unknown) => {
                const row = (call ?? {}) as Record<string, unknown>;
                return html`<tr>
                  <td><code>${text(row.tool)}</code></td>
                  <td><code>${text(row.input)}</code></td>
                  <td>${text(row.outcome)}</td>
                  <td><code>${text(row.result)}</code></td>
                </tr>`;
              })}
            </tbody>
          </table>`
    }
    <h3>The conversation</h3>
    <ol class="transcript" aria-label="The conversation">
      ${transcript.map((message: unknown) => {
        const entry = (message ?? {}) as Record<string, unknown>;
        return html`<li><span class="role">${text(entry.role)}</span>${text(entry.content)}</li>`;
      })}
      ${escalation.replies.map(
        (reply) =>
          html`<li class="from-reviewer">
            <span class="role">${actorLabel(reply.actor)}</span>${reply.message}
            <span class="muted">· ${timeAgo(reply.at, options.now)}${reply.handBack ? ' · handed back to the agent' : ''}</span>
          </li>`,
      )}
    </ol>
    ${
      extra.length === 0
        ? ''
        : html`<details>
            <summary>More of the handoff</summary>
            ${jsonBlock(Object.fromEntries(extra))}
          </details>`
    }
    ${
      escalation.resolution === null
        ? ''
        : html`<p>
            Resolved by ${actorLabel(escalation.resolution.actor)},
            ${timeAgo(escalation.resolution.at, options.now)}${escalation.resolution.endSession ? ' · the conversation is over' : ''}.
          </p>`
    }
    ${escalation.status !== 'open' ? '' : options.canRespond ? forms(escalation, options) : html`<p class="muted">Your role can read escalations but not answer them.</p>`}
  </article>`;
}

function forms(escalation: EscalationDetail, options: EscalationViewOptions): Html {
  const id = escalationViewId(escalation);
  const base = `/ui/escalations/${encodeURIComponent(escalation.id)}`;
  const attributes = (action: string) => html`method="post" action="${action}" hx-post="${action}" hx-target="#${id}" hx-swap="outerHTML"`;
  const replyProblem = options.problem?.form === 'reply' ? options.problem : undefined;
  const resolveProblem = options.problem?.form === 'resolve' ? options.problem : undefined;
  return html`<div class="decisions">
    <form ${attributes(`${base}/reply`)} class="decide">
      <div class="field">
        <label for="${id}-message">Reply to the user <span class="muted">(they receive it as the assistant's answer)</span></label>
        <textarea
          id="${id}-message"
          name="message"
          rows="4"
          required
          ${replyProblem === undefined ? '' : html`aria-invalid="true" aria-describedby="${id}-reply-problem"`}
        >
${options.draft ?? ''}</textarea>
      </div>
      ${problemBlock(`${id}-reply-problem`, replyProblem)}
      <div class="buttons">
        <button type="submit" name="handBack" value="false">Send reply</button>
        <button type="submit" name="handBack" value="true" class="secondary">Send and hand back to the agent</button>
      </div>
    </form>
    <form ${attributes(`${base}/resolve`)} class="decide">
      <p class="muted">Resolving closes the escalation: the run completes with the last reply as its answer.</p>
      <label class="checkbox"><input type="checkbox" name="endSession" value="true" /> The conversation is over (end the session)</label>
      ${problemBlock(`${id}-resolve-problem`, resolveProblem)}
      <button type="submit" class="secondary">Resolve</button>
    </form>
  </div>`;
}

/** A value of the handoff package as text: strings as they are, anything else as JSON. */
function text(value: unknown): string {
  if (value === undefined || value === null) return '—';
  return typeof value === 'string' ? value : prettyJson(value);
}

/** One row of the escalations list. */
export function escalationRow(escalation: EscalationRecord, now?: number): Html {
  const question = typeof escalation.handoff.pendingQuestion === 'string' ? escalation.handoff.pendingQuestion : '';
  return html`<tr>
    <td>${timeAgo(escalation.createdAt, now)}</td>
    <td><a href="/ui/escalations/${encodeURIComponent(escalation.id)}">${escalation.reason}</a></td>
    <td class="prose">${question.length > 140 ? `${question.slice(0, 140)}…` : question}</td>
    <td>${escalation.agent}</td>
    <td>${escalation.userId}</td>
    <td>${escalation.trigger}</td>
    <td><span class="status status-${statusClasses[escalation.status]}">${escalation.status}</span></td>
  </tr>`;
}
