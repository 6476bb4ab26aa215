import { KeelError, type ErrorCode } from '../../errors/index.ts';
import type { Model, ModelRequest, ModelStreamPart } from '../model.ts';
import { createCircuitBreaker, type BreakerOptions, type BreakerState, type BreakerTicket, type CircuitBreaker } from './circuit-breaker.ts';

/** The breakers of one runtime, one per provider+model, shared by every agent that uses it. */
export interface CircuitBreakers {
  get(provider: string, modelId: string): CircuitBreaker;
  /** Every breaker created so far and its state (for health pages and metrics). */
  list(): Array<{ provider: string; modelId: string; state: BreakerState }>;
}

/**
 * A set of circuit breakers created on demand with the same options.
 *
 * @example
 * const breakers = createCircuitBreakers({ logger, onStateChange: (change) => metrics.breaker(change) });
 * const model = withCircuitBreaker(resolveModel('openai:gpt-4o-mini'), breakers);
 */
export function createCircuitBreakers(options: BreakerOptions = {}): CircuitBreakers {
  const breakers = new Map<string, CircuitBreaker>();
  return {
    get(provider, modelId) {
      const key = `${provider}:${modelId}`;
      let breaker = breakers.get(key);
      if (breaker === undefined) {
        breaker = createCircuitBreaker(provider, modelId, options);
        breakers.set(key, breaker);
      }
      return breaker;
    },
    list: () => [...breakers.values()].map((breaker) => ({ provider: breaker.provider, modelId: breaker.modelId, state: breaker.state() })),
  };
}

/*
 * What says the provider is unhealthy. Errors about the request itself (rejected, too long,
 * refused by policy, bad key) mean the provider answered, so they count as successes; a call
 * the caller aborted says nothing either way.
 */
const providerFailures: ReadonlySet<ErrorCode> = new Set(['MODEL_UNAVAILABLE', 'MODEL_TIMEOUT', 'MODEL_RESPONSE_INVALID', 'MODEL_RATE_LIMITED']);

function settle(ticket: BreakerTicket, error: unknown, request: ModelRequest): void {
  if (request.signal?.aborted === true) ticket.cancel();
  else if (!KeelError.isInstance(error) || providerFailures.has(error.code)) ticket.failure();
  else ticket.success();
}

/**
 * Wraps a model with the breaker of its provider+model: calls fail fast with
 * MODEL_CIRCUIT_OPEN while the breaker is open, and every outcome feeds it. Place it inside
 * `withRetry` (each attempt counts) and outside `withTimeouts` (a timeout is a failure).
 *
 * @example
 * const model = withRetry(withCircuitBreaker(withTimeouts(base, { timeoutMs: 60_000 }), breakers));
 */
export function withCircuitBreaker(model: Model, breakers: CircuitBreakers): Model {
  const breaker = breakers.get(model.provider, model.modelId);
  const guarded: Model = {
    provider: model.provider,
    modelId: model.modelId,
    async generate(request) {
      const ticket = breaker.enter();
      try {
        const response = await model.generate(request);
        ticket.success();
        return response;
      } catch (error) {
        settle(ticket, error, request);
        throw error;
      }
    },
  };
  const stream = model.stream?.bind(model);
  if (stream === undefined) return guarded;
  return {
    ...guarded,
    async *stream(request): AsyncIterable<ModelStreamPart> {
      const ticket = breaker.enter();
      try {
        for await (const part of stream(request)) {
          if (part.type === 'response') ticket.success();
          yield part;
        }
      } catch (error) {
        settle(ticket, error, request);
        throw error;
      } finally {
        // The consumer stopped reading early: the call tells nothing about the provider.
        ticket.cancel();
      }
    },
  };
}
