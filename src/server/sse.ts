import { stopped } from '../internal/abort.ts';

/** One server-sent event. `data` is written as one `data:` line per line of text. */
export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

const encoder = new TextEncoder();

/** What `nextTurn` resolves to: the producer had nothing more ready in this turn of the event loop. */
const later = Symbol('later');

/** A batch stops growing at about this many characters (64 KiB of ASCII): a chunk stays a few socket writes. */
const maxChunkChars = 64 * 1024;

/** Resolves once the event loop has run its pending I/O and timers, after every ready microtask. */
function nextTurn(): Promise<typeof later> {
  return new Promise((resolve) => setImmediate(resolve, later));
}

export function formatSse(frame: SseFrame): string {
  let text = '';
  if (frame.id !== undefined) text += `id: ${frame.id}\n`;
  if (frame.event !== undefined) text += `event: ${frame.event}\n`;
  for (const line of frame.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

/** How a stream ended: it ran out, the client went away, the server ended it, or the producer failed. */
export type SseEnd = 'done' | 'client-gone' | 'ended' | 'failed';

export interface SseOptions {
  /** An SSE comment is sent this often, so proxies and clients keep an idle stream open. */
  heartbeatMs: number;
  /**
   * Called with an error the producer threw while the client was still reading (the stream is
   * then closed): log it here. Errors after the client left are not failures of the stream and
   * are not reported here (see `onEnd`).
   */
  onError(error: unknown): void;
  /** Told once how the stream ended, for a debug line. A client leaving is the normal end of most streams. */
  onEnd?(end: SseEnd): void;
  /** Ends the stream cleanly when aborted (server shutdown). */
  endSignal?: AbortSignal;
  /** Told when the stream opens and, once, when it ends (for the open-streams gauge). */
  streams?: { opened(): void; closed(): void };
}

/**
 * A `text/event-stream` response fed by an async iterable of frames. The stream pulls: the
 * next frame is produced only when the client has taken the previous ones, so a slow reader
 * costs no buffered memory. When the client goes away the iterable is returned early and
 * `signal` aborts. Errors never reach the client as text: the stream just ends.
 *
 * @example
 * return sseResponse((signal) => frames(runId, signal), { heartbeatMs: 15_000, onError: (error) => log.error({ err: error }) });
 */
export function sseResponse(
  produce: (signal: AbortSignal) => AsyncIterable<SseFrame | string>,
  options: SseOptions,
  headers: Record<string, string> = {},
): Response {
  const controller = new AbortController();
  const signal = options.endSignal === undefined ? controller.signal : AbortSignal.any([controller.signal, options.endSignal]);
  const iterator = produce(signal)[Symbol.asyncIterator]();
  // The producer's next frame when it was not ready within the last batch: the next pull takes it.
  let pending: Promise<IteratorResult<SseFrame | string>> | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  // Once false, nothing more may touch the stream's controller: a client that left has cancelled
  // the stream, and enqueueing into or closing a cancelled stream throws ("Controller is already
  // closed"). A pull still waiting on the producer when the client leaves resumes after that.
  let open = true;
  options.streams?.opened();
  const finish = (end: SseEnd): boolean => {
    if (!open) return false;
    open = false;
    clearInterval(heartbeat);
    controller.abort(stopped);
    options.streams?.closed();
    options.onEnd?.(end);
    return true;
  };
  const body = new ReadableStream<Uint8Array>({
    start(stream) {
      heartbeat = setInterval(() => {
        if (!open) return;
        try {
          stream.enqueue(encoder.encode(': keep-alive\n\n'));
        } catch {
          // A timer must never throw: that would be an uncaught exception in the process.
          finish('client-gone');
        }
      }, options.heartbeatMs);
      heartbeat.unref();
    },
    async pull(stream) {
      // Every frame the producer has ready before the event loop moves on (a journal read's
      // worth) goes out as one chunk: one socket write per batch, not one per event. The batch
      // ends at the first turn of the event loop after its first frame — one deadline for the
      // whole batch, so a producer that answers in microtasks alone (a replay from the embedded
      // store) cannot hold the loop or build its whole backlog in memory — or at `maxChunkChars`.
      let text = '';
      let ended = false;
      let turn: Promise<typeof later> | undefined;
      try {
        while (text.length < maxChunkChars) {
          const next = pending ?? iterator.next();
          pending = undefined;
          if (text !== '') turn ??= nextTurn();
          const settled = turn === undefined ? await next : await Promise.race([next, turn]);
          if (settled === later) {
            pending = next;
            break;
          }
          if (settled.done === true) {
            ended = true;
            break;
          }
          text += typeof settled.value === 'string' ? settled.value : formatSse(settled.value);
        }
      } catch (error) {
        // A producer that throws because the client left (its signal aborted) has not failed.
        if (!open) return;
        if (text !== '') stream.enqueue(encoder.encode(text));
        if (finish('failed')) {
          options.onError(error);
          stream.close();
        }
        return;
      }
      if (!open) return;
      if (text !== '') stream.enqueue(encoder.encode(text));
      if (ended && finish(options.endSignal?.aborted === true ? 'ended' : 'done')) stream.close();
    },
    async cancel() {
      finish('client-gone');
      // The producer's own clean-up (its `finally`) runs here; a failure in it is not the client's business.
      await iterator.return?.().catch(() => undefined);
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Tells nginx not to buffer the stream.
      'x-accel-buffering': 'no',
      ...headers,
    },
  });
}
