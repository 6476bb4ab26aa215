import { KeelError } from '../errors/index.ts';
import type { Model, ModelRequest, ModelStreamPart } from './model.ts';
import { linkedController } from '../internal/abort.ts';

export interface TimeoutOptions {
  /**
   * Longest wait for the first streamed part (text or the finished response). A provider that
   * accepted the request but stalls is given up on early, while a long answer that is flowing
   * still has `timeoutMs`. Applies to streams only: a non-streaming answer arrives all at once.
   */
  firstTokenTimeoutMs?: number;
  /** Longest a whole call may take, streamed or not. */
  timeoutMs?: number;
}

/**
 * Wraps a model so that each call (each attempt, when inside `withRetry`) is aborted after
 * `timeoutMs`, and a stream also when its first part takes longer than `firstTokenTimeoutMs`.
 * The call then fails with MODEL_TIMEOUT (retryable), `details.timeout` saying which limit
 * was hit. An abort by the caller's own signal stays the caller's: it is not reported as a
 * timeout of this wrapper.
 *
 * @example
 * const model = withRetry(withTimeouts(resolveModel('openai:gpt-4o-mini'), { firstTokenTimeoutMs: 10_000, timeoutMs: 60_000 }));
 */
export function withTimeouts(model: Model, options: TimeoutOptions): Model {
  const { firstTokenTimeoutMs, timeoutMs } = options;
  if (firstTokenTimeoutMs === undefined && timeoutMs === undefined) return model;

  const expired = (limit: 'first-token' | 'total', ms: number) =>
    new KeelError({
      code: 'MODEL_TIMEOUT',
      message: `${model.provider} model "${model.modelId}": ${limit === 'first-token' ? `no first token within ${ms} ms` : `the call took longer than ${ms} ms`}`,
      details: { provider: model.provider, modelId: model.modelId, timeout: limit, timeoutMs: ms },
    });

  /** A signal for one call that aborts on the caller's signal or on a limit; `arm` starts a limit. */
  function deadline(request: ModelRequest) {
    const { controller, unlink } = linkedController(request.signal);
    const timers = new Set<NodeJS.Timeout>();
    return {
      request: { ...request, signal: controller.signal },
      arm(limit: 'first-token' | 'total', ms: number | undefined) {
        if (ms === undefined) return () => undefined;
        const timer = setTimeout(() => controller.abort(expired(limit, ms)), ms);
        timers.add(timer);
        return () => {
          clearTimeout(timer);
          timers.delete(timer);
        };
      },
      /** The error to throw: ours when a limit fired, the original otherwise. */
      explain(error: unknown): unknown {
        const ownAbort = controller.signal.aborted && request.signal?.aborted !== true;
        return ownAbort ? (controller.signal.reason as KeelError) : error;
      },
      clear() {
        for (const timer of timers) clearTimeout(timer);
        unlink();
      },
    };
  }

  const timed: Model = {
    provider: model.provider,
    modelId: model.modelId,
    async generate(request) {
      const call = deadline(request);
      call.arm('total', timeoutMs);
      try {
        return await model.generate(call.request);
      } catch (error) {
        throw call.explain(error);
      } finally {
        call.clear();
      }
    },
  };
  const stream = model.stream?.bind(model);
  if (stream === undefined) return timed;
  return {
    ...timed,
    async *stream(request): AsyncIterable<ModelStreamPart> {
      const call = deadline(request);
      call.arm('total', timeoutMs);
      let disarmFirst: (() => void) | undefined = call.arm('first-token', firstTokenTimeoutMs);
      try {
        for await (const part of stream(call.request)) {
          disarmFirst?.();
          disarmFirst = undefined;
          yield part;
        }
      } catch (error) {
        throw call.explain(error);
      } finally {
        call.clear();
      }
    },
  };
}
