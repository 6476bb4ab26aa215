import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * One JSON `POST` over `node:http` (or `node:https`) on Node's global agents: keep-alive, and the
 * same proxy settings as `fetch` (`NODE_USE_ENV_PROXY`). It answers with the response as soon as
 * its head arrives; the body is read by the caller, to its end or `destroy`ed.
 *
 * Not `fetch`: undici's `fetch` spends about twice the CPU of this on a small request and its
 * streamed answer (WHATWG streams for the body both ways, request and response objects, header
 * guards), and a model call is made on every turn of every run (ADR 0026). Like `fetch` here, it
 * speaks HTTP/1.1 and follows no redirect (an API endpoint does not move): a 3xx is answered as is.
 *
 * @example
 * const response = await postJson(new URL('http://localhost:11434/v1/chat/completions'), headers, body, signal);
 * for await (const chunk of response) parser.feed(decoder.decode(chunk, { stream: true }));
 */
export function postJson(url: URL, headers: Readonly<Record<string, string>>, body: string, signal?: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      ...(signal === undefined ? {} : { signal }),
    });
    request.once('response', resolve);
    // Before the head: the promise fails. After it, the response itself reports what breaks.
    request.on('error', reject);
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
