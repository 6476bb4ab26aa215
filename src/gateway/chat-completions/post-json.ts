import { Agent as HttpAgent, globalAgent as httpGlobalAgent, request as httpRequest, type IncomingMessage, type ProxyEnv } from 'node:http';
import { Agent as HttpsAgent, globalAgent as httpsGlobalAgent, request as httpsRequest } from 'node:https';

/**
 * How long a kept-alive connection may sit idle before it is closed: below the 5 s after which
 * many servers close theirs without a `Keep-Alive` hint (uvicorn, under vLLM, say; Node's own
 * global agent waits exactly 5 s), so no request goes out on a connection its server is closing.
 * Servers that send the hint get the shorter of the two (Node keeps a second's margin on it).
 */
export const idleConnectionMs = 4_000;

/** Connection pools for model calls: kept alive, with the proxy settings Node gave its global agents. */
export function keepAliveAgents(idleMs: number): { http: HttpAgent; https: HttpsAgent } {
  return {
    // `proxyEnv` is what Node set up from NODE_USE_ENV_PROXY (24.5 and later): the same proxies as `fetch`.
    http: new HttpAgent({ keepAlive: true, timeout: idleMs, scheduling: 'lifo', proxyEnv: proxyEnvOf(httpGlobalAgent) }),
    https: new HttpsAgent({ keepAlive: true, timeout: idleMs, scheduling: 'lifo', proxyEnv: proxyEnvOf(httpsGlobalAgent) }),
  };
}

/** The proxy settings an agent was made with (Node's types do not declare an agent's options). */
function proxyEnvOf(agent: HttpAgent): ProxyEnv | undefined {
  return (agent as unknown as { options?: { proxyEnv?: ProxyEnv } }).options?.proxyEnv;
}

/** The pools of every Chat Completions model in this process. */
export const chatCompletionsAgents = keepAliveAgents(idleConnectionMs);

/**
 * One JSON `POST` over `node:http` (or `node:https`), on `agents`. It answers with the response
 * as soon as its head arrives; the body is read by the caller, to its end or `destroy`ed.
 *
 * Not `fetch`: undici's `fetch` spends about twice the CPU of this on a small request and its
 * streamed answer (WHATWG streams for the body both ways, request and response objects, header
 * guards), and a model call is made on every turn of every run (ADR 0026). It speaks HTTP/1.1,
 * as undici does, and unlike `fetch` follows no redirect: a 3xx is answered as it came. A
 * request is sent once: what breaks before the head is the caller's to retry (the gateway's
 * retries, with their limits and backoff), since the server may have done the work already.
 *
 * @example
 * const response = await postJson(new URL('http://localhost:11434/v1/chat/completions'), headers, body, signal);
 * for await (const chunk of response) parser.feed(decoder.decode(chunk, { stream: true }));
 */
export function postJson(
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: string,
  signal?: AbortSignal,
  agents: { http: HttpAgent; https: HttpsAgent } = chatCompletionsAgents,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const post = secure ? httpsRequest : httpRequest;
    const request = post(url, {
      method: 'POST',
      agent: secure ? agents.https : agents.http,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
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
