import type { CommitObserver } from '../engine/commits.ts';
import type { JournalEvent } from '../journal/events.ts';
import type { RateLimiter } from './rate-limit.ts';

/**
 * A commit observer that counts the model tokens of every `model-response` a run commits
 * against its end user's token limit (`userTokens`, ADR 0003). Every runtime made by
 * `createRuntime` has one, whatever embeds it: the CLI, `keel start`, or an application.
 *
 * Counting follows the commit, outside its transaction: a crash in between loses that count.
 * Rate limits are protection, not accounting (the usage ledger is), so that is acceptable.
 *
 * @example
 * const runtime = createRuntime({ config, store, observers: [createTokenMeter({ limiter: createRateLimiter({ store }) })] });
 */
export function createTokenMeter(options: { limiter: Pick<RateLimiter, 'recordTokens'> }): CommitObserver {
  return (commit) => {
    const tokens = tokensIn(commit.events);
    // Most commits hold no model response: nothing to count, and nothing to wait for.
    if (tokens === 0) return undefined;
    return options.limiter.recordTokens({ tenantId: commit.run.tenantId, userId: commit.run.userId, tokens });
  };
}

function tokensIn(events: readonly JournalEvent[]): number {
  let tokens = 0;
  for (const event of events) {
    if (event.type === 'model-response') tokens += event.usage.inputTokens + event.usage.outputTokens;
  }
  return tokens;
}
