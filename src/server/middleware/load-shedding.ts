import type { MiddlewareHandler } from 'hono';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { KeelError } from '../../errors/index.ts';
import { retryAfterHeader } from '../retry-after.ts';

/** Why a request was shed. */
export type ShedReason = 'in-flight' | 'event-loop-delay' | 'heap';

export interface LoadSample {
  /** 99th percentile of the event loop's delay over the last sampling interval, in ms. */
  eventLoopDelayMs: number;
  /** V8 heap in use over the heap's size limit: out-of-memory comes at 1. */
  heapRatio: number;
}

export interface LoadMonitor {
  /** The latest sample: cheap, so it can be read on every request. */
  sample(): LoadSample;
  stop(): void;
}

export interface LoadSheddingOptions {
  /** Requests handled at once (until their handler returns; an open SSE stream does not count). */
  maxInFlight: number;
  /** Shed while the event loop's p99 delay is above this. Default 1000 ms; `Infinity` turns it off. */
  maxEventLoopDelayMs?: number;
  /** Shed while the heap is fuller than this share of its limit. Default 0.85; `Infinity` turns it off. */
  maxHeapRatio?: number;
  /** The `Retry-After` sent with a 503. Default 1 s. */
  retryAfterSeconds?: number;
  /** Where the measurements come from. Default: {@link createLoadMonitor}, created on first use. */
  monitor?: LoadMonitor;
  /** Told about every shed request, for logs and metrics. */
  onShed?: (reason: ShedReason) => void;
}

/**
 * Measures the process's load in the background with `perf_hooks.monitorEventLoopDelay` and
 * `process.memoryUsage()`, every `intervalMs` (default 500 ms), so a request only reads numbers.
 * Its timer does not keep the process alive.
 *
 * @example
 * const monitor = createLoadMonitor();
 * app.use('/v1/*', loadShedding({ maxInFlight: 512, monitor }));
 * // at shutdown: monitor.stop();
 */
export function createLoadMonitor(options: { intervalMs?: number } = {}): LoadMonitor {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const heapLimit = getHeapStatistics().heap_size_limit;
  const measureHeap = () => process.memoryUsage().heapUsed / heapLimit;
  let latest: LoadSample = { eventLoopDelayMs: 0, heapRatio: measureHeap() };
  const timer = setInterval(() => {
    // An interval with no completed sample (a fully blocked loop ends one late) reads as 0 here;
    // the next interval then carries the long delay.
    latest = { eventLoopDelayMs: histogram.count === 0 ? 0 : histogram.percentile(99) / 1e6, heapRatio: measureHeap() };
    histogram.reset();
  }, options.intervalMs ?? 500);
  timer.unref();
  return {
    sample: () => latest,
    stop() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}

/**
 * Answers 503 `OVERLOADED` with `Retry-After` instead of taking on a request the process cannot
 * serve: when `maxInFlight` requests are already being handled, when the event loop lags, or
 * when the heap nears its limit — so the process sheds load before it runs out of memory,
 * rather than after. Put it first, before authentication touches the store.
 *
 * @example
 * app.use('/v1/*', loadShedding({ maxInFlight: 512, maxEventLoopDelayMs: 500, maxHeapRatio: 0.8 }));
 */
export function loadShedding(options: LoadSheddingOptions): MiddlewareHandler {
  const maxEventLoopDelayMs = options.maxEventLoopDelayMs ?? 1_000;
  const maxHeapRatio = options.maxHeapRatio ?? 0.85;
  const retryAfter = retryAfterHeader(options.retryAfterSeconds ?? 1);
  const retryAfterSeconds = Number(retryAfter);
  const measures = Number.isFinite(maxEventLoopDelayMs) || Number.isFinite(maxHeapRatio);
  let monitor = options.monitor;
  let inFlight = 0;

  function overload(): ShedReason | undefined {
    if (inFlight >= options.maxInFlight) return 'in-flight';
    if (!measures) return undefined;
    monitor ??= createLoadMonitor();
    const sample = monitor.sample();
    if (sample.eventLoopDelayMs > maxEventLoopDelayMs) return 'event-loop-delay';
    if (sample.heapRatio > maxHeapRatio) return 'heap';
    return undefined;
  }

  return async (c, next) => {
    const reason = overload();
    if (reason !== undefined) {
      options.onShed?.(reason);
      const error = new KeelError({
        code: 'OVERLOADED',
        message: 'The server is overloaded; retry shortly',
        details: { reason },
        retryAfterSeconds,
      });
      return c.json({ error: error.toJSON() }, 503, { 'Retry-After': retryAfter });
    }
    inFlight += 1;
    try {
      await next();
    } finally {
      inFlight -= 1;
    }
  };
}
