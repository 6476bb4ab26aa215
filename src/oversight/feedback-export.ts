import type { FeedbackRecord } from '../store/oversight-store.ts';
import type { RunRecord, Store } from '../store/store.ts';

/**
 * A rated run as an evaluation case, one JSON object per line of `keel feedback export`. The
 * names follow Langfuse's dataset items — `input`, `expectedOutput`, `metadata` — so a file can
 * be uploaded as a dataset as it is; the rest is Keel's: what the agent answered and how the user
 * rated it, to pick cases by (the thumbs-down ones with a correction make regression cases).
 */
export interface FeedbackEvalCase {
  /** The run's input: the user's message (a chat completion's quoted conversation included). */
  input: string;
  /** The user's correction, when they gave one: what the answer should have been. */
  expectedOutput?: string;
  /** What the run answered (text, or the agent's structured output); null unless it completed. */
  output: unknown;
  rating: 1 | -1;
  comment: string | null;
  runId: string;
  agent: string;
  metadata: {
    source: 'keel-feedback';
    tenantId: string;
    userId: string;
    sessionId: string;
    runStatus: RunRecord['status'];
    runCreatedAt: string;
    /** When the rating was given or last changed. */
    ratedAt: string;
  };
}

export interface FeedbackExportOptions {
  tenantId: string;
  agent?: string;
  rating?: 1 | -1;
  /** Only ratings given or changed at or after this time. */
  since?: Date;
  /** Rows read per page. Default 200. */
  pageSize?: number;
}

/**
 * The tenant's feedback as evaluation cases, most recently rated first, read page by page so an
 * export of any size holds one page in memory. Runs erased with their session are left out:
 * their input and output are gone.
 *
 * @example
 * for await (const evalCase of feedbackEvalCases(store, { tenantId: 'default', agent: 'support' })) console.log(JSON.stringify(evalCase));
 */
export async function* feedbackEvalCases(store: Pick<Store, 'listFeedback' | 'getRun'>, options: FeedbackExportOptions): AsyncGenerator<FeedbackEvalCase> {
  const since = options.since?.getTime();
  let cursor: string | undefined;
  do {
    const page = await store.listFeedback(options.tenantId, {
      limit: options.pageSize ?? 200,
      ...(options.agent === undefined ? {} : { agent: options.agent }),
      ...(options.rating === undefined ? {} : { rating: options.rating }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const feedback of page.feedback) {
      // The listing is ordered by when each rating was last given: the first older one ends the export.
      if (since !== undefined && Date.parse(feedback.updatedAt) < since) return;
      const run = await store.getRun(options.tenantId, feedback.runId);
      if (run === undefined || run.erasedAt !== null) continue;
      yield evalCaseOf(feedback, run);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/**
 * One rating of one run as an evaluation case.
 *
 * @example
 * const evalCase = evalCaseOf(feedback, run); // { input: run.input, expectedOutput: feedback.correction, … }
 */
export function evalCaseOf(feedback: FeedbackRecord, run: RunRecord): FeedbackEvalCase {
  return {
    input: run.input,
    ...(feedback.correction === null ? {} : { expectedOutput: feedback.correction }),
    output: run.status === 'completed' ? (run.output ?? null) : null,
    rating: feedback.rating,
    comment: feedback.comment,
    runId: run.id,
    agent: run.agent,
    metadata: {
      source: 'keel-feedback',
      tenantId: run.tenantId,
      userId: feedback.userId,
      sessionId: run.sessionId,
      runStatus: run.status,
      runCreatedAt: run.createdAt,
      ratedAt: feedback.updatedAt,
    },
  };
}
