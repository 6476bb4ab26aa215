import type { JournalEvent } from '../journal/events.ts';
import type { Store } from '../store/store.ts';
import type { RateLimiter, RateLimitSubject } from './rate-limit.ts';

export interface TokenMeterOptions {
  /** Called when counting tokens fails; the run goes on (its append has committed). Default: ignore. */
  onError?: (error: unknown, runId: string) => void;
}

/** More runs than one process executes at once; past it the oldest entries go. */
const maxTrackedRuns = 10_000;

/**
 * Wraps a store so that the model tokens of every `model-response` a run appends count against
 * its user's token limit (`userTokens`). The engine needs no change: a run's appends come from
 * the process that claimed it, so the claim tells whose run it is.
 *
 * Counting follows the append, outside its transaction: a crash in between loses that count.
 * Rate limits are protection, not accounting (the usage ledger is), so that is acceptable.
 *
 * @example
 * const store = meterTokens(await openStore(url), createRateLimiter({ store: base }));
 * const runtime = createRuntime({ config, store });
 */
export function meterTokens(store: Store, limiter: Pick<RateLimiter, 'recordTokens'>, options: TokenMeterOptions = {}): Store {
  const owners = new Map<string, RateLimitSubject>();
  const remember = (runId: string, run: RateLimitSubject) => {
    if (owners.size >= maxTrackedRuns) owners.delete(owners.keys().next().value ?? runId);
    owners.set(runId, { tenantId: run.tenantId, userId: run.userId });
  };

  const overrides: Partial<Store> = {
    async claimRunnable(claim) {
      const leases = await store.claimRunnable(claim);
      for (const lease of leases) remember(lease.runId, lease.run);
      return leases;
    },
    async claimRun(runId, claim) {
      const lease = await store.claimRun(runId, claim);
      if (lease !== undefined) remember(lease.runId, lease.run);
      return lease;
    },
    async releaseLease(runId, epoch) {
      owners.delete(runId);
      await store.releaseLease(runId, epoch);
    },
    async append(fence, events, patch) {
      await store.append(fence, events, patch);
      const owner = owners.get(fence.runId);
      const tokens = tokensIn(events);
      if (events.some((event) => event.type === 'run-end')) owners.delete(fence.runId);
      if (owner === undefined || tokens === 0) return;
      try {
        await limiter.recordTokens({ ...owner, tokens });
      } catch (error) {
        options.onError?.(error, fence.runId);
      }
    },
  };

  // A Proxy rather than a spread, so a class-based store keeps its prototype methods and `this`.
  return new Proxy(store, {
    get(target, property, receiver) {
      if (typeof property === 'string' && property in overrides) return overrides[property as keyof Store];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function tokensIn(events: JournalEvent[]): number {
  let tokens = 0;
  for (const event of events) {
    if (event.type === 'model-response') tokens += event.usage.inputTokens + event.usage.outputTokens;
  }
  return tokens;
}
