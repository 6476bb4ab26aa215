import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * One JSON `POST` over `node:http` (or `node:https`) on Node's global agents: keep-alive, and the
 * proxy settings of `NODE_USE_ENV_PROXY` (Node 24.5 and later). It answers with the response as
 * soon as its head arrives; the body is read by the caller, to its end or `destroy`ed.
 *
 * Not `fetch`: undici's `fetch` spends about twice the CPU of this on a small request and its
 * streamed answer (WHATWG streams for the body both ways, request and response objects, header
 * guards), and a model call is made on every turn of every run (ADR 0026). It speaks HTTP/1.1,
 * as undici does, and unlike `fetch` follows no redirect: a 3xx is answered as it came.
 *
 * A request sent on a kept-alive connection that the server closed meanwhile (many close idle
 * connections after 5 s without saying so, just as the agent would reuse one) is sent once more
 * on a new connection: the server never saw it.
 *
 * @example
 * const response = await postJson(new URL('http://localhost:11434/v1/chat/completions'), headers, body, signal);
 * for await (const chunk of response) parser.feed(decoder.decode(chunk, { stream: true }));
 */
export function postJson(url: URL, headers: Readonly<Record<string, string>>, body: string, signal?: AbortSignal): Promise<IncomingMessage> {
  return send(url, { ...headers, 'content-length': String(Buffer.byteLength(body)) }, body, signal, true);
}

function send(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal | undefined, mayResend: boolean): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const post = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = post(url, { method: 'POST', headers, ...(signal === undefined ? {} : { signal }) });
    let answered = false;
    request.once('response', (response) => {
      answered = true;
      resolve(response);
    });
    // Before the head: the promise fails (or the request goes again). After it, the response
    // itself reports what breaks.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (mayResend && !answered && request.reusedSocket && signal?.aborted !== true && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        resolve(send(url, headers, body, signal, false));
        return;
      }
      reject(error);
    });
    request.end(body);
  });
}

/** The response's headers as single strings (repeated ones joined, as `fetch` joins them). */
export function headerRecord(response: IncomingMessage): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) record[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return record;
}
