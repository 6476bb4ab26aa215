import { KeelError, toKeelError } from '../errors/index.ts';
import type { Model, ModelRequest, ModelStreamPart } from './model.ts';

export interface RetryOptions {
  /** Attempts in total, the first included. Default 3. */
  maxAttempts?: number;
  /** Upper bound of the first backoff. Default 500 ms. */
  initialDelayMs?: number;
  /** Longest wait between attempts. Default 20 s. */
  maxDelayMs?: number;
  /** Injected in tests. Must reject (or return early) when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injected in tests. A number in [0, 1). */
  random?: () => number;
  /**
   * Told before each wait for another attempt (for logs and metrics). The gateway adds the
   * provider and model the attempt was for.
   */
  onRetry?: (retry: { attempt: number; delayMs: number; error: KeelError; provider?: string; modelId?: string }) => void;
}

/**
 * Wraps a model so that transient failures are retried: only KeelErrors marked `retryable`,
 * with exponential backoff and full jitter, waiting exactly what the server asked for when it
 * sent `Retry-After`. When the server asks for more than `maxDelayMs`, the error is thrown at
 * once so the caller (the engine's scheduler) can park the run instead of holding a worker.
 *
 * A stream is retried before its first part; after text has reached the caller it is retried
 * only if the caller passed `request.call.onStreamRestart` (told before the new attempt, so it
 * can discard the text), and otherwise the error is thrown. An aborted request is never retried.
 *
 * @example
 * const model = withRetry(resolveModel('openai:gpt-4o-mini'), { maxAttempts: 4 });
 */
export function withRetry(model: Model, options: RetryOptions = {}): Model {
  const { maxAttempts = 3, initialDelayMs = 500, maxDelayMs = 20_000, sleep = abortableSleep, random = Math.random } = options;

  /** Waits before attempt `attempt + 1`, or rethrows `error` when it should not be retried. */
  async function backoff(error: unknown, attempt: number, signal: AbortSignal | undefined): Promise<void> {
    if (attempt >= maxAttempts || !KeelError.isInstance(error) || !error.retryable || isAborted(signal)) throw error;
    const delayMs =
      error.retryAfterSeconds === undefined ? random() * Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1)) : error.retryAfterSeconds * 1000;
    if (delayMs > maxDelayMs) throw error;
    options.onRetry?.({ attempt, delayMs, error });
    await sleep(delayMs, signal);
    if (isAborted(signal)) {
      throw new KeelError({ code: 'MODEL_TIMEOUT', message: 'The model request was aborted while waiting to retry.', details: error.details, cause: error });
    }
  }

  const retrying: Model = {
    provider: model.provider,
    modelId: model.modelId,
    async generate(request: ModelRequest) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await model.generate(request);
        } catch (error) {
          await backoff(error, attempt, request.signal);
        }
      }
    },
  };
  const stream = model.stream?.bind(model);
  if (stream === undefined) return retrying;
  return {
    ...retrying,
    async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
      for (let attempt = 1; ; attempt++) {
        let yielded = false;
        try {
          for await (const part of stream(request)) {
            yielded = true;
            yield part;
          }
          return;
        } catch (error) {
          const restart = request.call?.onStreamRestart;
          if (yielded && restart === undefined) throw error;
          await backoff(error, attempt, request.signal);
          if (yielded) restart?.(toKeelError(error).toJSON());
        }
      }
    },
  };
}

// A function, not an inline check: the compiler would assume `aborted` cannot change across an await.
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
