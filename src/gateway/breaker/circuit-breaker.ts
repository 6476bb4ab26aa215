import { KeelError } from '../../errors/index.ts';
import type { Logger } from '../../telemetry/logger.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** The rolling window failure rates are measured over. Default 60 s. */
  windowMs?: number;
  /** Calls the window must hold before the rate can open the breaker. Default 10. */
  minimumCalls?: number;
  /** Share of failed calls in the window that opens the breaker. Default 0.5. */
  failureRate?: number;
  /** How long an open breaker rejects calls before letting probes through. Default 30 s. */
  cooldownMs?: number;
  /** Calls let through at once while half-open; their outcome closes or reopens it. Default 1. */
  halfOpenProbes?: number;
  /** Injected in tests. Milliseconds since the epoch. */
  now?: () => number;
  /** Told of every state change (for metrics). Exceptions it throws are ignored. */
  onStateChange?: (change: BreakerStateChange) => void;
  /** State changes are logged here: `warn` when a breaker opens, `info` otherwise. */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

export interface BreakerStateChange {
  provider: string;
  modelId: string;
  from: BreakerState;
  to: BreakerState;
  at: Date;
  /** The window's counts when the breaker opened from `closed`. */
  calls?: number;
  failures?: number;
}

/** One call let through the breaker: report how it went exactly once. */
export interface BreakerTicket {
  /** The provider answered (even with an error about the request itself). */
  success(): void;
  /** The provider failed: 5xx, timeout, rate limit, unreadable answer. */
  failure(): void;
  /** The call ended without telling anything about the provider (the caller aborted it). */
  cancel(): void;
}

export interface CircuitBreaker {
  readonly provider: string;
  readonly modelId: string;
  /** The current state (an open breaker whose cooldown has passed reads `half-open`). */
  state(): BreakerState;
  /** Lets a call through, or throws MODEL_CIRCUIT_OPEN (retryable, with the cooldown left). */
  enter(): BreakerTicket;
}

const bucketsPerWindow = 10;

/**
 * A circuit breaker for one provider+model. Closed, it counts outcomes in a rolling window
 * (ten buckets) and opens once at least `minimumCalls` calls failed at `failureRate` or more.
 * Open, it fails calls at once with MODEL_CIRCUIT_OPEN until `cooldownMs` has passed, then
 * half-opens: up to `halfOpenProbes` calls go through; a success closes it with a fresh
 * window, a failure opens it for another cooldown.
 *
 * @example
 * const breaker = createCircuitBreaker('openai', 'gpt-4o-mini', { failureRate: 0.5, cooldownMs: 30_000 });
 * const ticket = breaker.enter();
 * try { const response = await model.generate(request); ticket.success(); } catch (error) { ticket.failure(); throw error; }
 */
export function createCircuitBreaker(provider: string, modelId: string, options: BreakerOptions = {}): CircuitBreaker {
  const { windowMs = 60_000, minimumCalls = 10, failureRate = 0.5, cooldownMs = 30_000, halfOpenProbes = 1, now = Date.now } = options;
  const bucketMs = Math.max(1, Math.floor(windowMs / bucketsPerWindow));
  let buckets = new Map<number, { calls: number; failures: number }>();
  let current: BreakerState = 'closed';
  let openedAt = 0;
  let probes = 0;

  function change(to: BreakerState, counts?: { calls: number; failures: number }): void {
    const from = current;
    current = to;
    const event: BreakerStateChange = { provider, modelId, from, to, at: new Date(now()), ...counts };
    const fields = { provider, modelId, from, to, ...counts, ...(to === 'open' ? { cooldownMs } : {}) };
    if (to === 'open') options.logger?.warn(fields, 'circuit breaker open');
    else options.logger?.info(fields, `circuit breaker ${to}`);
    try {
      options.onStateChange?.(event);
    } catch {
      // A metrics hook must not break model calls.
    }
  }

  function windowCounts(at: number): { calls: number; failures: number } {
    const oldest = Math.floor((at - windowMs) / bucketMs);
    let calls = 0;
    let failures = 0;
    for (const [index, bucket] of buckets) {
      if (index <= oldest) buckets.delete(index);
      else {
        calls += bucket.calls;
        failures += bucket.failures;
      }
    }
    return { calls, failures };
  }

  function record(failed: boolean): void {
    const at = now();
    const index = Math.floor(at / bucketMs);
    const bucket = buckets.get(index) ?? { calls: 0, failures: 0 };
    bucket.calls += 1;
    if (failed) bucket.failures += 1;
    buckets.set(index, bucket);
    const counts = windowCounts(at);
    if (failed && counts.calls >= minimumCalls && counts.failures / counts.calls >= failureRate) {
      openedAt = at;
      change('open', counts);
    }
  }

  function state(): BreakerState {
    if (current === 'open' && now() - openedAt >= cooldownMs) {
      probes = 0;
      change('half-open');
    }
    return current;
  }

  function ticket(probe: boolean): BreakerTicket {
    let settled = false;
    const settle = (outcome: 'success' | 'failure' | 'cancel') => {
      if (settled) return;
      settled = true;
      if (!probe) {
        // Outcomes of calls let through before the breaker opened change nothing while it is open.
        if (current === 'closed' && outcome !== 'cancel') record(outcome === 'failure');
        return;
      }
      probes -= 1;
      if (current !== 'half-open' || outcome === 'cancel') return;
      if (outcome === 'success') {
        buckets = new Map();
        change('closed');
      } else {
        openedAt = now();
        change('open');
      }
    };
    return { success: () => settle('success'), failure: () => settle('failure'), cancel: () => settle('cancel') };
  }

  return {
    provider,
    modelId,
    state,
    enter() {
      const at = state();
      if (at === 'closed') return ticket(false);
      if (at === 'half-open' && probes < halfOpenProbes) {
        probes += 1;
        return ticket(true);
      }
      const waitMs = at === 'open' ? cooldownMs - (now() - openedAt) : cooldownMs;
      throw new KeelError({
        code: 'MODEL_CIRCUIT_OPEN',
        message: `${provider} model "${modelId}": too many recent calls failed; calls are paused for up to ${Math.ceil(waitMs / 1000)} s`,
        details: { provider, modelId, state: at },
        retryAfterSeconds: Math.max(0, waitMs) / 1000,
      });
    },
  };
}
