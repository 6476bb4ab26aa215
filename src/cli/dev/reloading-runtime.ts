import type { Runtime, Worker } from '../../engine/runtime-types.ts';

export interface RuntimeGeneration {
  runtime: Runtime;
  worker: Worker;
}

/**
 * A Runtime whose implementation can be replaced while the server holds on to it: `keel dev`
 * builds a new runtime when the agents change, and requests go to the newest one. The old
 * runtime is stopped gracefully (its runs are released, and the new worker picks them up).
 *
 * @example
 * const reloading = createReloadingRuntime({ runtime, worker: runtime.startWorker() });
 * const app = createApp({ runtime: reloading.runtime });
 * await reloading.replace({ runtime: next, worker: next.startWorker() });
 */
export function createReloadingRuntime(initial: RuntimeGeneration): {
  runtime: Runtime;
  replace(next: RuntimeGeneration): Promise<void>;
  close(): Promise<void>;
} {
  let current = initial;
  // A Proxy rather than a list of methods, so a method added to Runtime is delegated too.
  const runtime = new Proxy({} as Runtime, {
    get: (_target, property) => Reflect.get(current.runtime, property),
  });
  const stop = async (generation: RuntimeGeneration) => {
    await generation.worker.stop();
    await generation.runtime.close();
  };
  return {
    runtime,
    async replace(next) {
      const previous = current;
      current = next;
      await stop(previous);
    },
    close: () => stop(current),
  };
}
