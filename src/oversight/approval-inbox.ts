import { KeelError, toKeelError, type ErrorCode, type SerializedError } from '../errors/index.ts';
import type { Actor } from '../journal/events.ts';
import type { ApprovalDecisionInput } from '../engine/oversight-decisions.ts';
import type { Runtime } from '../engine/runtime-types.ts';
import type { ApprovalRecord } from '../store/oversight-store.ts';
import type { Store } from '../store/store.ts';

/**
 * The approval inbox as the HTTP API, the CLI and the dashboard work it: find one approval as
 * a caller may see it, and decide several at once. Deciding itself is the runtime's
 * (`runtime.decideApproval`): it claims the waiting run and journals the decision with its
 * inbox row, once.
 */

/**
 * An approval as one caller may see it: in its tenant (the store scopes that) and, when
 * `userId` is given, of that end user; `APPROVAL_NOT_FOUND` otherwise, as for an unknown id.
 *
 * @example
 * const approval = await findApproval(store, { tenantId: 'acme', approvalId: 'apr_…', userId: 'ana' });
 */
export async function findApproval(
  store: Pick<Store, 'getApproval'>,
  input: { tenantId: string; approvalId: string; userId?: string },
): Promise<ApprovalRecord> {
  const approval = await store.getApproval(input.tenantId, input.approvalId);
  if (approval === undefined || (input.userId !== undefined && approval.userId !== input.userId)) {
    throw new KeelError({ code: 'APPROVAL_NOT_FOUND', message: `No approval with id "${input.approvalId}"` });
  }
  return approval;
}

/** One decision of a batch: which approval, and what to do with it. */
export type BatchDecision = { id: string } & ApprovalDecisionInput;

/**
 * What became of one decision of a batch: `decided` (with the approval as it now stands),
 * `already-decided` (someone, or the timeout, decided it first), `not-found`, `invalid` (edited
 * arguments that fail the tool's schema, `args` without `edit`, …), or `failed` (anything else,
 * e.g. a run that did not come to rest in time: worth retrying on its own).
 */
export type BatchOutcome =
  | { id: string; outcome: 'decided'; approval: ApprovalRecord }
  | { id: string; outcome: 'already-decided' | 'not-found' | 'invalid' | 'failed'; error: SerializedError };

const outcomeOfCode: Partial<Record<ErrorCode, 'already-decided' | 'not-found' | 'invalid'>> = {
  APPROVAL_ALREADY_DECIDED: 'already-decided',
  APPROVAL_NOT_FOUND: 'not-found',
  INPUT_INVALID: 'invalid',
};

/** Codes whose message may carry internal detail: a batch answers them with a generic one. */
const internalCodes: ReadonlySet<ErrorCode> = new Set(['INTERNAL', 'JOURNAL_CORRUPT', 'STORE_MIGRATION_FAILED']);

/**
 * Decides several approvals, one after the other in the order given, each on its own: one that
 * fails (already decided, unknown, invalid) neither stops nor undoes the others, and each
 * answers with its own outcome. Deciding them in turn rather than at once costs nothing that
 * matters (a decision is a claim and one append) and keeps two decisions on one run — the
 * parallel calls of one step — from waiting on each other's claim; the last one of a step
 * queues the run.
 *
 * `onError` hears the errors of outcome `failed`, with their internal detail, for the log.
 *
 * @example
 * const results = await decideApprovals(runtime, { tenantId: 'acme', actor, decisions: [{ id: 'apr_1', decision: 'approve' }] });
 */
export async function decideApprovals(
  runtime: Pick<Runtime, 'decideApproval'>,
  input: { tenantId: string; actor: Actor; decisions: readonly BatchDecision[]; onError?: (error: unknown, approvalId: string) => void },
): Promise<BatchOutcome[]> {
  const results: BatchOutcome[] = [];
  for (const { id, ...decision } of input.decisions) {
    try {
      const approval = await runtime.decideApproval(id, decision, { tenantId: input.tenantId, actor: input.actor });
      results.push({ id, outcome: 'decided', approval });
    } catch (thrown) {
      const error = toKeelError(thrown);
      const outcome = outcomeOfCode[error.code] ?? 'failed';
      if (outcome === 'failed') input.onError?.(thrown, id);
      const serialized = internalCodes.has(error.code) ? { code: error.code, message: 'An internal error occurred' } : error.toJSON();
      results.push({ id, outcome, error: serialized });
    }
  }
  return results;
}
