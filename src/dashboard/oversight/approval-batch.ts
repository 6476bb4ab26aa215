import type { BatchDecision, BatchOutcome } from '../../oversight/approval-inbox.ts';
import { KeelError } from '../../errors/index.ts';
import { html, type Html } from '../html.ts';
import { decisionFromForm, type FormBody } from './decision-form.ts';

/** As many as `POST /v1/approvals` decides at once. */
const maxBatch = 100;

/** The id of the inbox's batch form, which the cards' checkboxes belong to. */
export const batchFormId = 'batch';

/**
 * The decisions of the inbox's batch form: the ticked approvals (`id`, once per checkbox) and
 * what to do with all of them — approve, or reject with one reason. Edits are one by one: each
 * call has its own arguments.
 */
export function batchFromForm(form: FormBody): BatchDecision[] {
  const decision = decisionFromForm(form);
  if (decision.decision === 'edit')
    throw new KeelError({ code: 'INPUT_INVALID', message: 'Edit the arguments one approval at a time.', details: { field: 'decision' } });
  const given = form.id;
  const ids = (given === undefined ? [] : Array.isArray(given) ? given : [given]).filter((id): id is string => typeof id === 'string');
  if (ids.length === 0) throw new KeelError({ code: 'INPUT_INVALID', message: 'Select at least one approval.', details: { field: 'id' } });
  if (ids.length > maxBatch) throw new KeelError({ code: 'INPUT_INVALID', message: `Select at most ${maxBatch} approvals at once.`, details: { field: 'id' } });
  return [...new Set(ids)].map((id) => ({ id, ...decision }));
}

/**
 * The batch form at the top of the pending inbox: its buttons act on the cards ticked below (the
 * checkboxes join it with `form=`, so it works without JavaScript). The reason is a textarea so
 * that Enter, typed while writing a rejection, does not submit the form's first button: Approve.
 */
export function batchForm(): Html {
  return html`<form id="${batchFormId}" class="filters batch" method="post" action="/ui/approvals/batch">
    <div>
      <label for="batch-reason">Reason <span class="muted">(to reject the selected; the model is told it)</span></label>
      <textarea id="batch-reason" name="reason" rows="1" maxlength="4000"></textarea>
    </div>
    <div class="buttons">
      <button type="submit" name="decision" value="approve">Approve selected</button>
      <button type="submit" name="decision" value="reject" class="secondary">Reject selected</button>
    </div>
  </form>`;
}

const outcomeLabels: Record<BatchOutcome['outcome'], string> = {
  decided: 'decided',
  'already-decided': 'already decided: not changed',
  'not-found': 'not found',
  invalid: 'refused',
  failed: 'not decided (try it on its own)',
};

/** What became of each decision of a batch, in order, each linked to its approval. */
export function batchResults(results: readonly BatchOutcome[]): Html {
  return html`<section class="card" aria-labelledby="batch-results-title">
    <h2 id="batch-results-title" tabindex="-1" autofocus>${results.filter((result) => result.outcome === 'decided').length} of ${results.length} decided</h2>
    <ul>
      ${results.map(
        (result) =>
          html`<li>
            <a href="/ui/approvals/${encodeURIComponent(result.id)}">${result.id}</a>:
            ${result.outcome === 'decided' ? result.approval.status : outcomeLabels[result.outcome]}${result.outcome === 'decided' ? '' : html` <span class="muted">(${result.error.message})</span>`}
          </li>`,
      )}
    </ul>
    <p><a href="/ui/approvals">Back to the inbox</a></p>
  </section>`;
}
