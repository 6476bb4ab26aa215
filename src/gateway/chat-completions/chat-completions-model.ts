import type { IncomingMessage } from 'node:http';
import { text as readText } from 'node:stream/consumers';
import { APICallError, InvalidResponseDataError } from '@ai-sdk/provider';
import { createParser, type ParseError } from 'eventsource-parser';
import { KeelError } from '../../errors/index.ts';
import { toModelError } from '../ai-sdk/map-error.ts';
import type { Model, ModelRequest, ModelResponse, ModelStreamPart } from '../model.ts';
import { encodeRequest } from './encode-request.ts';
import { headerRecord, postJson } from './post-json.ts';
import { ChunkReader, completion } from './read-response.ts';
import { isRecord } from '../../internal/is-record.ts';

export interface ChatCompletionsConnection {
  /** The API root, such as `http://localhost:11434/v1`; requests go to `<baseURL>/chat/completions`. */
  baseURL: string;
  /** Sent as a bearer token when set (local servers usually need none). */
  apiKey?: string | undefined;
  /** The provider's name, which prices and logs key on. Default `openai-compatible`. */
  name?: string | undefined;
}

/** Larger than any one streamed chunk a server sends; a stream that exceeds it is not a chat stream. */
const maxEventBytes = 8 * 1024 * 1024;

/**
 * A model behind any server that speaks OpenAI's Chat Completions protocol (vLLM, Ollama,
 * LM Studio, llama.cpp, LiteLLM and hosted gateways), spoken directly: the request body is encoded
 * incrementally (see `encode-request.ts`), sent with `node:http` (see `post-json.ts`) and the event
 * stream read as it arrives, so a turn costs little beyond the HTTP exchange itself however long
 * the conversation grows.
 *
 * Errors come out as KeelErrors, mapped exactly as for AI SDK providers (`MODEL_RATE_LIMITED`
 * with its Retry-After, `MODEL_UNAVAILABLE`, `MODEL_CONTEXT_TOO_LONG`, ...). A stream that fails,
 * or ends without a finish reason, throws and never yields a `response` part.
 *
 * @example
 * const model = chatCompletionsModel('llama3.1:8b', { baseURL: 'http://localhost:11434/v1' });
 * const answer = await model.generate({ messages: [{ role: 'user', content: 'Hello' }] });
 */
export function chatCompletionsModel(modelId: string, connection: ChatCompletionsConnection): Model {
  const provider = connection.name ?? 'openai-compatible';
  // Error details name the API as well as the provider, as they do for AI SDK providers.
  const context = { provider: `${provider}.chat`, modelId };
  const endpoint = endpointOf(connection.baseURL, provider);
  const url = endpoint.href;
  const headers = (accept: string): Record<string, string> => ({
    'content-type': 'application/json',
    accept,
    // Some gateways refuse requests that name no client.
    'user-agent': 'keel',
    ...(connection.apiKey === undefined ? {} : { authorization: `Bearer ${connection.apiKey}` }),
  });
  const streamHeaders = headers('text/event-stream');
  const answerHeaders = headers('application/json');
  const fail = (error: unknown, request: ModelRequest) => toModelError(error, request.signal === undefined ? context : { ...context, signal: request.signal });
  /** What broke while the exchange was under way: the abort itself when the caller aborted, else a lost connection. */
  const broken = (error: unknown, request: ModelRequest) => fail(request.signal?.aborted === true ? error : connectionFailed(url, error), request);

  async function post(request: ModelRequest, stream: boolean): Promise<IncomingMessage> {
    let response: IncomingMessage;
    try {
      response = await postJson(endpoint, stream ? streamHeaders : answerHeaders, encodeRequest(modelId, request, stream), request.signal);
    } catch (error) {
      throw broken(error, request);
    }
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) throw fail(await failedResponse(url, response), request);
    return response;
  }

  return {
    provider,
    modelId,

    async generate(request) {
      const response = await post(request, false);
      let text: string;
      try {
        text = await readText(response);
      } catch (error) {
        throw broken(error, request);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw fail(
          new APICallError({ message: 'Invalid JSON response', url, requestBodyValues: {}, statusCode: response.statusCode ?? 0, responseBody: text }),
          request,
        );
      }
      try {
        return completion(body, { provider, modelId });
      } catch (error) {
        throw fail(error, request);
      }
    },

    async *stream(request) {
      const response = await post(request, true);
      // A proxy's error page served with 200 would otherwise read as an empty event stream.
      const contentType = response.headers['content-type'] ?? '';
      if (contentType.startsWith('text/html')) {
        response.destroy();
        throw new KeelError({
          code: 'MODEL_RESPONSE_INVALID',
          message: `${context.provider} model "${modelId}": expected an event stream, got ${contentType}`,
          details: context,
        });
      }
      const decoder = new TextDecoder();
      const chunks = new ChunkReader(modelId);
      const parser = createParser({
        maxBufferSize: maxEventBytes,
        onEvent: (event) => chunks.push(event.data),
        // Thrown out of `feed`, below. Other parse errors (an unknown field) are harmless.
        onError: (error: ParseError) => {
          if (error.type === 'max-buffer-size-exceeded') throw new InvalidResponseDataError({ data: undefined, message: error.message });
        },
      });
      // Read to the end of the body even after `[DONE]`: a body left unread would cost the
      // keep-alive connection.
      const body = response[Symbol.asyncIterator]();
      let ended = false;
      try {
        for (;;) {
          let next: IteratorResult<Buffer>;
          try {
            next = (await body.next()) as IteratorResult<Buffer>;
          } catch (error) {
            throw request.signal?.aborted === true ? error : connectionFailed(url, error);
          }
          if (next.done === true) break;
          parser.feed(decoder.decode(next.value, { stream: true }));
          for (const text of chunks.takeText()) yield { type: 'text-delta', text } satisfies ModelStreamPart;
        }
        ended = true;
        parser.feed(decoder.decode());
        for (const text of chunks.takeText()) yield { type: 'text-delta', text } satisfies ModelStreamPart;
      } catch (error) {
        throw fail(error, request);
      } finally {
        // Stops the HTTP response (and drops its connection) when the consumer or an error ends the loop early.
        if (!ended) response.destroy();
      }
      let answer: ModelResponse;
      try {
        answer = chunks.response(provider);
      } catch (error) {
        throw fail(error, request);
      }
      yield { type: 'response', response: answer } satisfies ModelStreamPart;
    },
  };
}

/**
 * `<baseURL>/chat/completions` as a URL (a query the base URL has, such as a gateway's
 * `api-version`, stays a query), or why it cannot be: said when the model is made, not at its
 * first call. The messages never repeat the value, which may hold a key by mistake.
 */
function endpointOf(baseURL: string, provider: string): URL {
  const refuse = (why: string) =>
    new KeelError({ code: 'CONFIG_INVALID', message: `The ${provider} baseURL ${why}`, details: { provider, setting: 'baseURL' } });
  let endpoint: URL;
  try {
    endpoint = new URL(baseURL);
  } catch {
    throw refuse('is not a URL: give the API root, such as http://localhost:11434/v1');
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw refuse(`must be http: or https:, not ${endpoint.protocol}`);
  // Credentials in the URL would go out as Basic auth beside the key (and into logs with the URL).
  if (endpoint.username !== '' || endpoint.password !== '') throw refuse('must not hold credentials: give the key as apiKey');
  endpoint.pathname = `${endpoint.pathname.replace(/\/+$/, '')}/chat/completions`;
  endpoint.hash = '';
  return endpoint;
}

/** A failed exchange (connection refused or lost): retryable, never carrying the request. */
function connectionFailed(url: string, cause: unknown): APICallError {
  const reason = cause instanceof Error ? (cause.cause instanceof Error ? `${cause.message}: ${cause.cause.message}` : cause.message) : String(cause);
  return new APICallError({ message: `Cannot connect to API: ${reason}`, url, requestBodyValues: {}, cause, isRetryable: true });
}

/** A non-2xx answer: its status, the server's own message when it sent one, and the retry headers. */
async function failedResponse(url: string, response: IncomingMessage): Promise<APICallError> {
  const body = await readText(response).catch(() => '');
  const status = response.statusCode ?? 0;
  let message = response.statusMessage === undefined || response.statusMessage === '' ? `HTTP ${status}` : response.statusMessage;
  try {
    const parsed: unknown = JSON.parse(body);
    const error = isRecord(parsed) ? parsed.error : undefined;
    if (isRecord(error) && typeof error.message === 'string') message = error.message;
    else if (typeof error === 'string') message = error;
  } catch {
    // Not JSON: the status text stands.
  }
  const location = response.headers.location;
  if (status >= 300 && status < 400 && location !== undefined)
    message = `${message}: the API moved to ${location} (redirects are not followed; set the provider's baseURL there)`;
  return new APICallError({
    message,
    url,
    requestBodyValues: {},
    statusCode: status,
    responseHeaders: headerRecord(response),
    responseBody: body,
    isRetryable: status === 408 || status === 409 || status === 429 || status >= 500,
  });
}
