import { KeelError, type SerializedError } from '../../errors/index.ts';
import type { FinishReason as KeelFinishReason, ModelUsage } from '../../journal/messages.ts';
import type { JournalEntry, WaitingReason } from '../../journal/events.ts';
import type { Runtime } from '../../engine/runtime-types.ts';
import { stopped } from '../../internal/abort.ts';
import { createAssistantText } from './assistant-text.ts';

type ChatFinishReason = 'stop' | 'length' | 'content_filter';

export type ChatRunEvent =
  | { type: 'text'; text: string }
  /** The run parked for a person and the request keeps waiting (streaming only). */
  | { type: 'waiting'; reason: PeopleWait }
  | { type: 'done'; finishReason: ChatFinishReason; usage: ModelUsage }
  | { type: 'failed'; error: SerializedError };

/** Waiting reasons the runtime clears by itself: a chat request keeps waiting through them. */
const transientWaits: ReadonlySet<WaitingReason> = new Set(['rate-limit']);

/** Waits a person ends without the end user doing anything: a reviewer's decision (or its timeout), a human's reply. */
type PeopleWait = 'approval' | 'human';
const peopleWaits: ReadonlySet<WaitingReason> = new Set<PeopleWait>(['approval', 'human']);

/** What shows, after a wait for a person, that the run no longer waits: it resumed, a person replied, or it ended. */
const movedOnTypes: ReadonlySet<JournalEntry['type']> = new Set(['run-resume', 'escalation-reply', 'run-end']);

const emptyUsage: ModelUsage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };

export interface FollowChatRunOptions {
  tenantId: string;
  structured: boolean;
  /** The client went away: stop following (the run goes on). */
  signal: AbortSignal;
  /**
   * Keep following while the run waits for a person (`approval`, `human`) instead of answering
   * `RUN_WAITING`: what a stream can do, since it stays open (keep-alive comments) and shows
   * the reply when it comes. Without it the request answers at once, unless the journal already
   * holds what ends the wait.
   */
  waitForPeople: boolean;
  /** Aborted when the server shuts down: a request waiting for a person then ends with `SHUTTING_DOWN`. */
  endSignal?: AbortSignal;
}

/**
 * Follows the run behind a chat completion through its journal (so it works wherever the run
 * executes): the assistant's text as it grows — a person's reply in an escalation included —,
 * then how it ended.
 *
 * - A reply without hand-back answers the request: the human took this turn (`done`, `stop`).
 *   The escalation stays open; later replies reach the user on the run's event stream and in
 *   the session history. With hand-back the agent resumes and its text follows.
 * - A wait for a person (`approval`, `human`) is followed through when `waitForPeople`
 *   (streaming); otherwise it ends the request with `RUN_WAITING` unless the journal already
 *   shows the run moved on (decided, replied to, ended).
 * - Any other wait (budget, credential, outcome unknown) ends the request with `RUN_WAITING`;
 *   the run itself stays durable and resumes when the reason clears.
 *
 * @example
 * for await (const event of followChatRun(runtime, run.id, { tenantId, structured: false, signal, waitForPeople: true })) console.log(event);
 */
export async function* followChatRun(runtime: Runtime, runId: string, options: FollowChatRunOptions): AsyncGenerator<ChatRunEvent> {
  const text = createAssistantText({ structured: options.structured });
  let usage = emptyUsage;
  let finish: KeelFinishReason = 'stop';
  const finishReason = (): ChatFinishReason => (finish === 'length' ? 'length' : finish === 'content-filter' ? 'content_filter' : 'stop');

  // A shutdown ends only a request waiting for a person (that wait can outlast any drain); one
  // whose run is executing keeps following it through the drain, wherever it resumes.
  const following = new AbortController();
  let waitingForPeople = false;
  const stop = () => following.abort(stopped);
  const shutdown = () => {
    if (waitingForPeople) following.abort(stopped);
  };
  options.signal.addEventListener('abort', stop, { once: true });
  options.endSignal?.addEventListener('abort', shutdown, { once: true });
  if (options.signal.aborted) stop();
  try {
    for await (const entry of runtime.events(runId, { tenantId: options.tenantId, signal: following.signal })) {
      const piece = text.push(entry);
      if (piece !== '') yield { type: 'text', text: piece };
      if (entry.type === 'usage-update') usage = entry.usage;
      if (entry.type === 'model-response') finish = entry.finishReason;
      if (entry.type === 'run-resume') waitingForPeople = false;
      if (entry.type === 'escalation-reply') {
        waitingForPeople = false;
        if (!entry.handBack) {
          yield { type: 'done', finishReason: 'stop', usage };
          return;
        }
      }
      if (entry.type === 'run-waiting' && !transientWaits.has(entry.reason)) {
        const forPeople = peopleWaits.has(entry.reason);
        if (forPeople && options.waitForPeople) {
          waitingForPeople = true;
          if (options.endSignal?.aborted === true) break;
          yield { type: 'waiting', reason: entry.reason as PeopleWait };
          continue;
        }
        if (forPeople && (await movedOn(runtime, runId, entry.seq, options.tenantId))) continue;
        yield { type: 'failed', error: runWaiting(runId, entry.reason).toJSON() };
        return;
      }
      if (entry.type === 'run-end') {
        if (entry.status === 'completed') {
          yield { type: 'done', finishReason: finishReason(), usage };
        } else {
          const cancelled: SerializedError = { code: 'RUN_CANCELLED', message: 'The run was cancelled', details: { runId } };
          yield { type: 'failed', error: entry.error ?? cancelled };
        }
        return;
      }
    }
    if (!options.signal.aborted && waitingForPeople) {
      const closing = new KeelError({
        code: 'SHUTTING_DOWN',
        message: `The server is shutting down; the run keeps waiting. Follow it at GET /v1/runs/${runId}/events`,
        details: { runId },
      });
      yield { type: 'failed', error: closing.toJSON() };
    }
  } finally {
    options.signal.removeEventListener('abort', stop);
    options.endSignal?.removeEventListener('abort', shutdown);
  }
}

/** Whether the journal, as it stands, already shows the run past the wait at `seq`. */
async function movedOn(runtime: Runtime, runId: string, seq: number, tenantId: string): Promise<boolean> {
  for await (const entry of runtime.events(runId, { tenantId, afterSeq: seq, follow: false })) {
    if (movedOnTypes.has(entry.type)) return true;
  }
  return false;
}

function runWaiting(runId: string, reason: WaitingReason): KeelError {
  return new KeelError({
    code: 'RUN_WAITING',
    message: `The run is waiting (${reason}); it resumes when that is resolved. Follow it at GET /v1/runs/${runId}`,
    details: { runId, reason },
  });
}
