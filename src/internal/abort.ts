/**
 * The reason of an abort that only tells listeners to stop: a follower whose run has ended, an
 * event stream whose client has gone. It reads as the default one does (an `AbortError` with the
 * same message), but is made once: `AbortController.abort()` without a reason makes a new
 * `DOMException` with its stack trace every time, 50–100 µs in a process just woken from idle,
 * and the runs of `keel run` and every event stream pay it once each.
 *
 * @example
 * following.abort(stopped);
 */
export const stopped: DOMException = new DOMException('This operation was aborted', 'AbortError');

/**
 * An `AbortController` that also aborts when `outer` does, with its reason, until `unlink`: what
 * `AbortSignal.any([outer, own])` gives, for a signal made per call. A composite signal, once
 * listened to (`node:http` listens on every request's), follows each of its sources through a
 * weak reference and two finalisation registries: about 13 µs a model call in a process woken
 * from idle, against one listener here. `unlink` when the call is over, or `outer` keeps it.
 *
 * @example
 * const call = linkedController(request.signal);
 * try { return await send({ ...request, signal: call.controller.signal }); } finally { call.unlink(); }
 */
export function linkedController(outer: AbortSignal | undefined): { controller: AbortController; unlink(): void } {
  const controller = new AbortController();
  if (outer === undefined) return { controller, unlink: () => undefined };
  if (outer.aborted) {
    controller.abort(outer.reason);
    return { controller, unlink: () => undefined };
  }
  const forward = () => controller.abort(outer.reason);
  outer.addEventListener('abort', forward, { once: true });
  return { controller, unlink: () => outer.removeEventListener('abort', forward) };
}
