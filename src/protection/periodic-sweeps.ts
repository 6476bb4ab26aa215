import type { Logger } from '../telemetry/logger.ts';

/** One kind of expired row to delete: how many it deleted is logged at debug level. */
export interface Sweep {
  name: string;
  run(now: Date): Promise<number>;
}

/**
 * Runs each sweep every `intervalMs` (default one minute) until stopped. Sweeps delete rows
 * that count nothing any more (rate-limit windows idle for two windows, expired authorization
 * requests): deleting them twice is harmless, so every node runs its own, without coordination.
 * A failed sweep is logged and tried again at the next tick; the timer never keeps the process
 * alive.
 *
 * @example
 * const sweeper = startPeriodicSweeps({ logger, sweeps: [{ name: 'window-counters', run: (now) => store.sweepWindowCounters(now) }] });
 * await sweeper.stop();
 */
export function startPeriodicSweeps(options: { sweeps: readonly Sweep[]; logger: Logger; intervalMs?: number; now?: () => Date }): { stop(): Promise<void> } {
  const now = options.now ?? (() => new Date());
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(async () => {
      for (const sweep of options.sweeps) {
        try {
          const deleted = await sweep.run(now());
          if (deleted > 0) options.logger.debug({ sweep: sweep.name, deleted }, 'swept expired rows');
        } catch (error) {
          options.logger.warn({ err: error, sweep: sweep.name }, 'sweep failed; trying again at the next tick');
        }
      }
    });
  };
  const timer = setInterval(tick, options.intervalMs ?? 60_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
