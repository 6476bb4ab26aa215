/** One parsed server-sent event. */
export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/**
 * Reads an SSE response the way EventSource does: frames end with a blank line, `:` lines are
 * comments, a frame cut off by a disconnect is dropped. `onEvent` returning `stop` aborts the
 * connection there, as a client going away would.
 */
export async function readSse(
  url: string,
  options: { headers: Record<string, string>; abortAfterMs?: number; onEvent(event: SseEvent): 'continue' | 'stop'; onComment?(text: string): void },
): Promise<{ status: number; ended: boolean }> {
  const controller = new AbortController();
  const timer = options.abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(), options.abortAfterMs);
  try {
    const response = await fetch(url, { headers: options.headers, signal: controller.signal });
    if (response.body === null || response.status !== 200) return { status: response.status, ended: true };
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { status: 200, ended: true };
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const lines = frame.split('\n');
        if (lines.every((line) => line.startsWith(':'))) {
          options.onComment?.(frame);
          continue;
        }
        const field = (name: string) => lines.filter((line) => line.startsWith(`${name}: `)).map((line) => line.slice(name.length + 2));
        const event: SseEvent = { id: field('id')[0], event: field('event')[0], data: field('data').join('\n') };
        if (options.onEvent(event) === 'stop') {
          controller.abort();
          return { status: 200, ended: false };
        }
      }
    }
  } catch (error) {
    if (controller.signal.aborted) return { status: 200, ended: false };
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A small seeded generator (mulberry32), so a failing disconnect pattern can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
