/** One server-sent event. `data` is written as one `data:` line per line of text. */
export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

const encoder = new TextEncoder();

export function formatSse(frame: SseFrame): string {
  let text = '';
  if (frame.id !== undefined) text += `id: ${frame.id}\n`;
  if (frame.event !== undefined) text += `event: ${frame.event}\n`;
  for (const line of frame.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

export interface SseOptions {
  /** An SSE comment is sent this often, so proxies and clients keep an idle stream open. */
  heartbeatMs: number;
  /** Called with errors the producer threw (after the stream is closed): log them here. */
  onError(error: unknown): void;
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
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let open = true;
  options.streams?.opened();
  const stop = () => {
    clearInterval(heartbeat);
    controller.abort();
    if (open) options.streams?.closed();
    open = false;
  };
  const body = new ReadableStream<Uint8Array>({
    start(stream) {
      heartbeat = setInterval(() => {
        try {
          stream.enqueue(encoder.encode(': keep-alive\n\n'));
        } catch {
          stop();
        }
      }, options.heartbeatMs);
      heartbeat.unref();
    },
    async pull(stream) {
      try {
        const next = await iterator.next();
        if (next.done === true) {
          stop();
          stream.close();
          return;
        }
        stream.enqueue(encoder.encode(typeof next.value === 'string' ? next.value : formatSse(next.value)));
      } catch (error) {
        stop();
        options.onError(error);
        stream.close();
      }
    },
    async cancel() {
      stop();
      await iterator.return?.();
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
