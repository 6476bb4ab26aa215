import type { ModelChoice, ModelReference } from './model-choice.ts';
import type { ModelCacheStore } from '../store/model-cache-store.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { BreakerOptions } from './breaker/circuit-breaker.ts';
import { createCircuitBreakers, withCircuitBreaker, type CircuitBreakers } from './breaker/with-circuit-breaker.ts';
import { withResponseCache } from './cache/response-cache.ts';
import { withFallbacks } from './fallback.ts';
import type { Model } from './model.ts';
import { withRetry, type RetryOptions } from './retry.ts';
import { withRouting } from './routing.ts';
import { withTimeouts, type TimeoutOptions } from './timeouts.ts';
import { withResponseValidation } from './validate-response.ts';

export interface GatewayOptions {
  /** Turns a model reference into a bare model (an adapter, or a Keel `Model` as it is). */
  resolve: (reference: ModelReference) => Model;
  /** Retries of each model of a chain. Default: 3 attempts, backoff from 500 ms to 20 s. */
  retry?: RetryOptions;
  /** Circuit breakers, one per provider+model, shared by every agent of this gateway. */
  breaker?: BreakerOptions;
  /** Where agents with `cache` keep responses (the runtime's store). Without it, nothing is cached. */
  cacheStore?: ModelCacheStore;
  logger?: Logger;
  now?: () => Date;
}

/** The model layer of one runtime: its breakers, and the hardened model of each agent. */
export interface Gateway {
  /** The model an agent's steps call. Build it once per agent and keep it. */
  modelFor(agent: ModelChoice): Model;
  readonly breakers: CircuitBreakers;
}

/**
 * Builds each agent's model from its definition, outermost first:
 * 1. routing (`agent.routing`): the cheap model when the policy says so, else the primary;
 * 2. the response cache (`agent.cache`), per route;
 * 3. the fallback chain: the primary (or cheap) model, then `agent.fallbacks` in order (the
 *    cheap route falls back to the primary chain);
 * 4. per model: retries with backoff → circuit breaker → first-token and total timeouts
 *    (`agent.modelSettings`) → response validation → the provider adapter.
 *
 * @example
 * const gateway = createGateway({ resolve: (reference) => resolveModel(reference), cacheStore: store, logger });
 * const model = gateway.modelFor(support);
 */
export function createGateway(options: GatewayOptions): Gateway {
  const logger = options.logger;
  const breakers = createCircuitBreakers({ ...(logger === undefined ? {} : { logger }), ...options.breaker });

  function logRetry(model: Model, retry: Parameters<NonNullable<RetryOptions['onRetry']>>[0]): void {
    logger?.warn(
      { provider: model.provider, modelId: model.modelId, attempt: retry.attempt, delayMs: Math.round(retry.delayMs), code: retry.error.code },
      'model call retried',
    );
    options.retry?.onRetry?.({ ...retry, provider: model.provider, modelId: model.modelId });
  }

  function modelFor(agent: ModelChoice): Model {
    const { firstTokenTimeoutMs, timeoutMs } = agent.modelSettings;
    const timeouts: TimeoutOptions = {
      ...(firstTokenTimeoutMs === undefined ? {} : { firstTokenTimeoutMs }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    };
    const harden = (reference: ModelReference): Model => {
      const model = withCircuitBreaker(withTimeouts(withResponseValidation(options.resolve(reference)), timeouts), breakers);
      return withRetry(model, { ...options.retry, onRetry: (retry) => logRetry(model, retry) });
    };
    const fallbackOptions = logger === undefined ? {} : { logger };
    const cached = (model: Model): Model =>
      agent.cache === undefined || options.cacheStore === undefined
        ? model
        : withResponseCache(model, {
            store: options.cacheStore,
            ttlMs: agent.cache.ttlMs,
            ...(options.now === undefined ? {} : { now: options.now }),
            ...(logger === undefined ? {} : { logger }),
          });

    const primary = withFallbacks([agent.model, ...agent.fallbacks].map(harden), fallbackOptions);
    if (agent.routing === undefined) return cached(primary);
    const cheap = withFallbacks([harden(agent.routing.cheap), primary], fallbackOptions);
    return withRouting(cached(primary), cached(cheap), agent.routing.when, logger === undefined ? {} : { logger });
  }

  return { modelFor, breakers };
}
