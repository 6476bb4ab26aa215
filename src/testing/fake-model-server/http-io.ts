import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SseEvent } from './protocol.ts';

/*
 * Low-level reading and writing for the fake server. Writes wait for their flush so that a
 * deliberately cut stream still delivers every byte it promised before the cut.
 */

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_fake', ...headers });
  response.end(JSON.stringify(body));
}

/** Sends events, or only the first `cut.after` of them before destroying the socket (or ending). */
export async function sendEvents(response: ServerResponse, events: SseEvent[], chunkDelayMs: number, cut?: { after: number; cleanly: boolean }): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': 'req_fake' });
  response.flushHeaders();
  for (const [index, event] of events.entries()) {
    if (cut !== undefined && index >= cut.after) {
      if (cut.cleanly) response.end();
      else response.destroy();
      return;
    }
    if (index > 0 && !(await pause(chunkDelayMs, response))) return;
    const text = `${event.event === undefined ? '' : `event: ${event.event}\n`}data: ${event.data}\n\n`;
    // Wait for each write to be flushed, so a cut stream delivers what it promised before the cut.
    if (!(await write(response, text))) return;
  }
  response.end();
}

/** Sends the first half of a JSON body, then destroys the socket (or, `cleanly`, ends there). */
export async function sendTruncatedJson(response: ServerResponse, body: unknown, cleanly: boolean): Promise<void> {
  const text = JSON.stringify(body);
  const half = text.slice(0, Math.floor(text.length / 2));
  if (cleanly) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(half);
    return;
  }
  // The promised length tells the client the body was cut, not merely short.
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  await write(response, half);
  response.destroy();
}

function write(response: ServerResponse, text: string): Promise<boolean> {
  if (response.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => response.write(text, (error) => resolve(error == null)));
}

/** Waits, unless the client goes away first (then resolves false). */
export function pause(ms: number, response: ServerResponse): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!response.destroyed);
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      response.off('close', onClose);
      resolve(true);
    }, ms);
    response.once('close', onClose);
  });
}
