import { KeelError } from '../errors/index.ts';
import type { FeedbackRecord } from '../store/oversight-store.ts';
import type { Store } from '../store/store.ts';

export interface RateRunInput {
  tenantId: string;
  runId: string;
  /** Only rate the run if it belongs to this end user (an app key acting for one user). */
  userId?: string;
  rating: 1 | -1;
  /** What the answer should have been: the expected output of the eval case it becomes. */
  correction?: string;
  comment?: string;
  now: Date;
}

/**
 * Records the run's end user's rating of it. The rating is always the run's own user's — the
 * one person who saw the answer — so there is one per run, and rating again replaces it
 * (rating, correction and comment together). With `userId`, a run of another user is
 * `RUN_NOT_FOUND`, as on every read, so a backend passing its user's id through cannot rate
 * someone else's conversation. A run erased with its session cannot be rated.
 *
 * @example
 * await rateRun(store, { tenantId: 'acme', runId, userId: 'ana', rating: -1, correction: 'Order 1001 shipped on Monday.', now: new Date() });
 */
export async function rateRun(store: Pick<Store, 'getRun' | 'putFeedback'>, input: RateRunInput): Promise<FeedbackRecord> {
  const run = await store.getRun(input.tenantId, input.runId);
  if (run === undefined || (input.userId !== undefined && run.userId !== input.userId)) {
    throw new KeelError({ code: 'RUN_NOT_FOUND', message: `No run with id "${input.runId}"` });
  }
  // Its session was deleted: the conversation is gone, and a correction must not bring any of it back.
  if (run.erasedAt !== null) throw new KeelError({ code: 'RUN_NOT_FOUND', message: `The run "${input.runId}" was erased with its session` });
  return await store.putFeedback({
    tenantId: input.tenantId,
    runId: run.id,
    userId: run.userId,
    rating: input.rating,
    ...(input.correction === undefined ? {} : { correction: input.correction }),
    ...(input.comment === undefined ? {} : { comment: input.comment }),
    now: input.now,
  });
}
