import { KeelError, toKeelError, type ErrorCode } from '../errors/index.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Model, ModelFallbackEvent, ModelRequest, ModelResponse, ModelStreamPart } from './model.ts';

export interface FallbackOptions {
  /** Told of every switch, in addition to the request's own `call.onFallback`. */
  onFallback?: (event: ModelFallbackEvent) => void;
  logger?: Pick<Logger, 'warn'>;
}

/*
 * Failures another model may well not have: the provider is overloaded, down, slow or broken,
 * its breaker is open, the prompt does not fit this model's window, or this provider's policy
 * refused it. Not a bad key or a malformed request: those need fixing, not hiding.
 */
const fallbackCodes: ReadonlySet<ErrorCode> = new Set([
  'MODEL_RATE_LIMITED',
  'MODEL_UNAVAILABLE',
  'MODEL_TIMEOUT',
  'MODEL_RESPONSE_INVALID',
  'MODEL_CIRCUIT_OPEN',
  'MODEL_CONTEXT_TOO_LONG',
  'MODEL_CONTENT_FILTERED',
]);

/**
 * Whether an error should move a call on to the next model of a fallback chain. An abort by
 * the caller never does.
 *
 * @example
 * if (shouldFallBack(error, request)) return next.generate(request);
 */
export function shouldFallBack(error: unknown, request: ModelRequest): boolean {
  return request.signal?.aborted !== true && KeelError.isInstance(error) && fallbackCodes.has(error.code);
}

/**
 * A model that tries `models` in order: when one fails with a fallback error (429, 5xx,
 * timeout, unreadable answer, open breaker, context too long, content policy) the next is
 * called with the same request, and the switch is reported through `request.call.onFallback`
 * (the engine journals it as `model-fallback`) and `options.onFallback`. The last model's
 * error is thrown when all fail. A stream switches after its first part only when the caller
 * can start over (`request.call.onStreamRestart`): otherwise the text would be repeated.
 *
 * Each model should already be wrapped with its own retries and breaker, so a chain means
 * "retry the primary a little, then move on".
 *
 * @example
 * const model = withFallbacks([primary, resolveModel('anthropic:claude-haiku-4-5')], { logger });
 */
export function withFallbacks(models: readonly Model[], options: FallbackOptions = {}): Model {
  const [primary] = models;
  if (primary === undefined) throw new KeelError({ code: 'INTERNAL', message: 'withFallbacks needs at least one model' });
  if (models.length === 1) return primary;

  function report(from: Model, to: Model, error: unknown, request: ModelRequest): void {
    const event: ModelFallbackEvent = {
      from: { provider: from.provider, modelId: from.modelId },
      to: { provider: to.provider, modelId: to.modelId },
      error: toKeelError(error).toJSON(),
    };
    options.logger?.warn({ from: event.from, to: event.to, code: event.error.code }, 'model fallback');
    options.onFallback?.(event);
    request.call?.onFallback?.(event);
  }

  const chained: Model = {
    provider: primary.provider,
    modelId: primary.modelId,
    async generate(request): Promise<ModelResponse> {
      for (let index = 0; ; index++) {
        const model = models[index] as Model;
        try {
          return await model.generate(request);
        } catch (error) {
          const next = models[index + 1];
          if (next === undefined || !shouldFallBack(error, request)) throw error;
          report(model, next, error, request);
        }
      }
    },
    async *stream(request): AsyncIterable<ModelStreamPart> {
      for (let index = 0; ; index++) {
        const model = models[index] as Model;
        let yielded = false;
        try {
          if (model.stream === undefined) {
            const response = await model.generate(request);
            if (response.text !== '') yield { type: 'text-delta', text: response.text };
            yield { type: 'response', response };
            return;
          }
          for await (const part of model.stream(request)) {
            yielded = true;
            yield part;
          }
          return;
        } catch (error) {
          const next = models[index + 1];
          const restart = request.call?.onStreamRestart;
          if ((yielded && restart === undefined) || next === undefined || !shouldFallBack(error, request)) throw error;
          if (yielded) restart?.(toKeelError(error).toJSON());
          report(model, next, error, request);
        }
      }
    },
  };
  return chained;
}
