import type { ApprovalRecord } from '../../store/oversight-store.ts';
import type { RunRecord } from '../../store/store.ts';
import { jsonBlock } from '../format.ts';
import { html, type Html } from '../html.ts';
import { actorLabel, prettyJson, problemBlock, runState, timeAgo } from './oversight-view.ts';

/** What the card shows besides the approval: the run's state, what the viewer may do, and the last submission's outcome. */
export interface ApprovalCardOptions {
  /** The run as it stands; undefined when it is gone. */
  run: RunRecord | undefined;
  /** Whether the signed-in role may decide (`approvals:decide`); viewers and apps see no forms. */
  canDecide: boolean;
  /** What went wrong with the last submission, and in which form. */
  problem?: { form: 'approve' | 'reject' | 'edit' | 'any'; message: string; issues?: Array<{ path: string; message: string }> };
  /** The text the reviewer typed, kept when the submission was refused. */
  draft?: { args?: string; reason?: string };
  /** Said once after a decision: what happens now. */
  notice?: string;
  /** The id of the page's batch form, when it has one: a pending card then carries a checkbox for it. */
  batchForm?: string;
  now?: number;
}

const statusLabels: Record<ApprovalRecord['status'], string> = {
  pending: 'pending',
  approved: 'approved',
  rejected: 'rejected',
  edited: 'approved with edits',
};
const statusClasses: Record<ApprovalRecord['status'], string> = { pending: 'waiting', approved: 'completed', rejected: 'failed', edited: 'completed' };

/** The id of an approval's card, the target its forms swap. */
export const approvalCardId = (approval: Pick<ApprovalRecord, 'id'>) => `approval-${approval.id}`;

/**
 * One approval as a card: the call (tool, arguments as indented JSON, the reason it waits), its
 * run (linked to the run's timeline, with its state), and either the three decisions — approve,
 * reject with a reason, edit the arguments then approve — or, once decided, who decided what and
 * when. Every value from the run is interpolated into the template, so it is escaped: hostile
 * arguments show as text. Each form posts to `/ui/approvals/{id}` without JavaScript, and with
 * htmx swaps just this card.
 */
export function approvalCard(approval: ApprovalRecord, options: ApprovalCardOptions): Html {
  const id = approvalCardId(approval);
  const problem = options.problem;
  const problemFor = (form: 'approve' | 'reject' | 'edit' | 'any') => (problem !== undefined && problem.form === form ? problem : undefined);
  return html`<article class="card approval" id="${id}" aria-labelledby="${id}-title">
    <header class="approval-head">
      ${
        options.batchForm !== undefined && options.canDecide && approval.status === 'pending'
          ? html`<input
              type="checkbox"
              name="id"
              value="${approval.id}"
              form="${options.batchForm}"
              aria-label="Select ${approval.toolName} of run ${approval.runId}"
            />`
          : ''
      }
      <h2 id="${id}-title"><code>${approval.toolName}</code></h2>
      <span class="status status-${statusClasses[approval.status]}">${statusLabels[approval.status]}</span>
      <span class="muted">requested ${timeAgo(approval.createdAt, options.now)}</span>
    </header>
    ${options.notice === undefined ? '' : html`<p class="notice" role="status" tabindex="-1" autofocus>${options.notice}</p>`}
    ${problemBlock(`${id}-problem`, problemFor('any'))}
    <dl class="run-facts">
      <dt>Run</dt>
      <dd>
        <a href="/ui/runs/${encodeURIComponent(approval.runId)}">${approval.runId}</a>
        ${runState(options.run, `/ui/approvals/${encodeURIComponent(approval.id)}/run`)}
      </dd>
      <dt>Agent</dt>
      <dd>${approval.agent}</dd>
      <dt>User</dt>
      <dd>${approval.userId}</dd>
      <dt>Why it waits</dt>
      <dd>${approval.reason} <span class="muted">(${sourceLabels[approval.source]})</span></dd>
      ${
        approval.status === 'pending'
          ? html`<dt>Times out</dt>
              <dd><time datetime="${approval.expiresAt}">${approval.expiresAt}</time> <span class="muted">(then it is rejected)</span></dd>`
          : ''
      }
      ${
        approval.group === null
          ? ''
          : html`<dt>Held by</dt>
              <dd>${approval.group} (level ${approval.level})</dd>`
      }
      <dt>Approval</dt>
      <dd class="mono">${approval.id}</dd>
    </dl>
    <h3>Arguments the model proposed</h3>
    ${jsonBlock(approval.input, 'Arguments the model proposed')}
    ${approval.status === 'pending' ? (options.canDecide ? decisionForms(approval, options, problemFor) : readOnlyNote()) : decisionSummary(approval)}
  </article>`;
}

const sourceLabels: Record<ApprovalRecord['source'], string> = { tool: "the tool's rule", guardrail: 'a guardrail', policy: "the tenant's policy" };

function readOnlyNote(): Html {
  return html`<p class="muted">Your role can read the inbox but not decide.</p>`;
}

function decisionSummary(approval: ApprovalRecord): Html {
  return html`<dl class="run-facts decision">
    <dt>Decided</dt>
    <dd>${statusLabels[approval.status]} by ${actorLabel(approval.decidedBy)}${approval.decidedAt === null ? '' : html`, ${timeAgo(approval.decidedAt)}`}</dd>
    ${
      approval.decisionReason === null
        ? ''
        : html`<dt>Reason</dt>
            <dd>${approval.decisionReason}</dd>`
    }
    ${
      approval.status === 'edited'
        ? html`<dt>Ran with</dt>
            <dd>${jsonBlock(approval.decidedInput, 'Arguments it ran with')}</dd>`
        : ''
    }
  </dl>`;
}

function decisionForms(
  approval: ApprovalRecord,
  options: ApprovalCardOptions,
  problemFor: (form: 'approve' | 'reject' | 'edit') => ApprovalCardOptions['problem'],
): Html {
  const id = approvalCardId(approval);
  const action = `/ui/approvals/${encodeURIComponent(approval.id)}`;
  // The form swaps its card: no attribute is inherited in htmx 4, so each form names its target.
  const swap = html`method="post" action="${action}" hx-post="${action}" hx-target="#${id}" hx-swap="outerHTML"`;
  const rejectProblem = problemFor('reject');
  const editProblem = problemFor('edit');
  return html`<div class="decisions">
    <form ${swap} class="decide decide-approve">
      <input type="hidden" name="decision" value="approve" />
      ${problemBlock(`${id}-approve-problem`, problemFor('approve'))}
      <button type="submit">Approve</button>
    </form>
    <form ${swap} class="decide decide-reject">
      <input type="hidden" name="decision" value="reject" />
      <div class="field">
        <label for="${id}-reason">Reason for rejecting <span class="muted">(the model is told it)</span></label>
        <textarea
          id="${id}-reason"
          name="reason"
          rows="2"
          required
          maxlength="4000"
          ${rejectProblem === undefined ? '' : html`aria-invalid="true" aria-describedby="${id}-reject-problem"`}
        >
${options.draft?.reason ?? ''}</textarea>
      </div>
      ${problemBlock(`${id}-reject-problem`, rejectProblem)}
      <button type="submit" class="secondary">Reject</button>
    </form>
    <details class="decide decide-edit" ${editProblem === undefined ? '' : 'open'}>
      <summary>Edit the arguments, then approve</summary>
      <form ${swap}>
        <input type="hidden" name="decision" value="edit" />
        <div class="field">
          <label for="${id}-args">Arguments (JSON, checked against the tool's input schema)</label>
          <textarea
            id="${id}-args"
            name="args"
            rows="8"
            class="mono"
            spellcheck="false"
            ${editProblem === undefined ? '' : html`aria-invalid="true" aria-describedby="${id}-edit-problem"`}
          >
${options.draft?.args ?? prettyJson(approval.input)}</textarea>
        </div>
        ${problemBlock(`${id}-edit-problem`, editProblem)}
        <button type="submit">Approve with these arguments</button>
      </form>
    </details>
  </div>`;
}
