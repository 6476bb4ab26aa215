import { KeelError, type SerializedError } from '../../errors/index.ts';
import type { FinishReason as KeelFinishReason, ModelUsage } from '../../journal/messages.ts';
import type { WaitingReason } from '../../journal/events.ts';
import type { Runtime } from '../../engine/runtime-types.ts';
import { createAssistantText } from './assistant-text.ts';

export type ChatRunEvent =
  | { type: 'text'; text: string }
  | { type: 'done'; finishReason: 'stop' | 'length' | 'content_filter'; usage: ModelUsage }
  | { type: 'failed'; error: SerializedError };

/** Waiting reasons the runtime clears by itself: a chat request keeps waiting through them. */
const transientWaits: ReadonlySet<WaitingReason> = new Set(['rate-limit']);

const emptyUsage: ModelUsage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };

/**
 * Follows the run behind a chat completion through its journal (so it works wherever the run
 * executes): the assistant's text as it grows, then how it ended. A run that parks for a human
 * (approval, escalation, budget, …) ends the request with `RUN_WAITING`; the run itself stays
 * durable and resumes when the reason clears.
 *
 * @example
 * for await (const event of followChatRun(runtime, run.id, { tenantId, structured: false, signal })) console.log(event);
 */
export async function* followChatRun(
  runtime: Runtime,
  runId: string,
  options: { tenantId: string; structured: boolean; signal: AbortSignal },
): AsyncGenerator<ChatRunEvent> {
  const text = createAssistantText({ structured: options.structured });
  let usage = emptyUsage;
  let finish: KeelFinishReason = 'stop';
  for await (const entry of runtime.events(runId, { tenantId: options.tenantId, signal: options.signal })) {
    const piece = text.push(entry);
    if (piece !== '') yield { type: 'text', text: piece };
    if (entry.type === 'usage-update') usage = entry.usage;
    if (entry.type === 'model-response') finish = entry.finishReason;
    if (entry.type === 'run-waiting' && !transientWaits.has(entry.reason)) {
      const waiting = new KeelError({
        code: 'RUN_WAITING',
        message: `The run is waiting (${entry.reason}); it resumes when that is resolved. Follow it at GET /v1/runs/${runId}`,
        details: { runId, reason: entry.reason },
      });
      yield { type: 'failed', error: waiting.toJSON() };
      return;
    }
    if (entry.type === 'run-end') {
      if (entry.status === 'completed') {
        yield { type: 'done', finishReason: finish === 'length' ? 'length' : finish === 'content-filter' ? 'content_filter' : 'stop', usage };
      } else {
        const cancelled: SerializedError = { code: 'RUN_CANCELLED', message: 'The run was cancelled', details: { runId } };
        yield { type: 'failed', error: entry.error ?? cancelled };
      }
      return;
    }
  }
}
