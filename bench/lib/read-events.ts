/**
 * Reads a run's SSE event stream until an event named in `until` arrives, and returns its JSON.
 * `hold` keeps the connection open afterwards until the signal aborts (for memory measurements).
 */
export async function readEventsUntil(
  url: string,
  headers: Record<string, string>,
  until: ReadonlySet<string>,
  options: { signal?: AbortSignal; hold?: boolean } = {},
): Promise<{ event: string; data: Record<string, unknown> }> {
  const response = await fetch(url, { headers, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  if (response.status !== 200 || response.body === null) throw new Error(`events answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error('the event stream ended before the awaited event');
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.+)$/m.exec(frame)?.[1];
      if (event === undefined || !until.has(event)) continue;
      const data = JSON.parse(/^data: (.+)$/m.exec(frame)?.[1] ?? '{}') as Record<string, unknown>;
      if (options.hold === true) {
        // Keep reading (heartbeats) so the connection stays open, until the caller aborts.
        void (async () => {
          try {
            while (!(await reader.read()).done);
          } catch {
            // aborted
          }
        })();
      } else {
        await reader.cancel();
      }
      return { event, data };
    }
  }
}
