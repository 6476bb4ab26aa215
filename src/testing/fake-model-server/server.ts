import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { anthropicMessagesProtocol } from './anthropic-messages.ts';
import { openaiChatProtocol } from './openai-chat.ts';
import { openaiResponsesProtocol } from './openai-responses.ts';
import { pause, readBody, sendEvents, sendJson, sendTruncatedJson } from './http-io.ts';
import { asRecord, estimateTokens, type ProtocolHandler, type ScriptedReply } from './protocol.ts';
import type { FakeFaultTurn, FakeModelRequest, FakeModelServer, FakeModelServerOptions, FakeReplyTurn, FakeResponder, FakeTurn } from './types.ts';

const routes: Record<string, ProtocolHandler> = {
  '/v1/chat/completions': openaiChatProtocol,
  '/v1/responses': openaiResponsesProtocol,
  '/v1/messages': anthropicMessagesProtocol,
};

const noScriptedTurn: FakeResponder = () => ({
  fault: 'server-error',
  status: 500,
  message: 'Fake model server: no scripted turn for this request. Call server.enqueue(...) or server.setResponder(...).',
});

const htmlPage =
  '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n' +
  '<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n';

/**
 * Starts a real HTTP server on 127.0.0.1 (a free port, or `options.port`) that answers like OpenAI Chat Completions,
 * OpenAI Responses and Anthropic Messages, streaming or not, from scripted turns. Point the real
 * AI SDK providers at it to test everything between Keel and the wire, faults included.
 *
 * @example
 * const server = await startFakeModelServer();
 * server.enqueue(
 *   { toolCalls: [{ name: 'lookup_order', arguments: { orderId: '1001' } }] },
 *   { fault: 'rate-limit', retryAfterSeconds: 2 },
 *   { text: 'Your order ships tomorrow.', usage: { inputTokens: 120, outputTokens: 8 } },
 * );
 * const model = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test' })('gpt-4o-mini');
 * // ... run the agent, then:
 * await server.close();
 */
export async function startFakeModelServer(options: FakeModelServerOptions = {}): Promise<FakeModelServer> {
  const queue: FakeTurn[] = [];
  const requests: FakeModelRequest[] = [];
  const sockets = new Set<Socket>();
  let responder = options.responder ?? noScriptedTurn;
  let sequence = 0;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) response.destroy();
      else sendJson(response, 500, { error: { message: `Fake model server failed: ${String(error)}` } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const protocol = routes[path];
    if (protocol === undefined || request.method !== 'POST') {
      sendJson(response, 404, { error: { message: `Fake model server: no route for ${request.method} ${path}` } });
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = asRecord(JSON.parse(await readBody(request)));
    } catch {
      sendJson(response, 400, protocol.errorBody(400, 'The request body is not valid JSON.'));
      return;
    }
    const parsed = protocol.parseRequest(body);
    const recorded: FakeModelRequest = {
      protocol: protocol.protocol,
      path,
      model: parsed.model,
      messages: parsed.messages,
      tools: parsed.tools,
      stream: parsed.stream,
      body,
      headers: { ...request.headers },
    };
    requests.push(recorded);
    sequence += 1;
    const context = { model: parsed.model, sequence, includeUsage: parsed.includeUsage };

    if (options.apiKey !== undefined && !hasKey(request, protocol, options.apiKey)) {
      sendJson(response, 401, protocol.errorBody(401, authMessage(request, protocol)));
      return;
    }
    let turn: FakeTurn;
    try {
      turn = queue.shift() ?? (await responder(recorded));
    } catch (error) {
      sendJson(response, 500, protocol.errorBody(500, `Fake model server: the responder threw: ${String(error)}`));
      return;
    }
    if (!(await pause(turn.delayMs ?? 0, response))) return;

    if ('fault' in turn) {
      const reply = await answerFault(turn, recorded, protocol, response);
      if (reply === undefined) return;
      if (turn.fault === 'cut-stream') {
        const scripted = scriptedReply(reply, recorded, protocol, context.sequence);
        const cut = { after: turn.afterChunks ?? 2, cleanly: turn.endCleanly === true };
        if (parsed.stream) await sendEvents(response, protocol.renderEvents(scripted, context), 0, cut);
        else await sendTruncatedJson(response, protocol.renderResponse(scripted, context), cut.cleanly);
        return;
      }
      turn = reply;
    }
    const reply = scriptedReply(turn, recorded, protocol, context.sequence);
    if (parsed.stream) await sendEvents(response, protocol.renderEvents(reply, context), turn.chunkDelayMs ?? 0);
    else sendJson(response, 200, protocol.renderResponse(reply, context));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: `${url}/v1`,
    requests,
    get pendingTurns() {
      return queue.length;
    },
    enqueue(...turns) {
      queue.push(...turns);
    },
    setResponder(next) {
      responder = next;
    },
    close() {
      // Hanging requests keep their sockets open forever: destroy them, or close() never returns.
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/**
 * Answers the faults that end the exchange and returns undefined; for faults that are an answer
 * of a special shape (malformed tool call, cut stream) returns the reply to render.
 */
async function answerFault(
  turn: FakeFaultTurn,
  request: FakeModelRequest,
  protocol: ProtocolHandler,
  response: ServerResponse,
): Promise<FakeReplyTurn | undefined> {
  switch (turn.fault) {
    case 'rate-limit': {
      const seconds = turn.retryAfterSeconds ?? 1;
      const headers: Record<string, string> = { 'retry-after': String(Math.ceil(seconds)) };
      if (protocol.protocol !== 'anthropic-messages') headers['retry-after-ms'] = String(Math.round(seconds * 1000));
      sendJson(response, 429, protocol.errorBody(429, `Rate limit reached for ${request.model}. Please try again in ${seconds}s.`), headers);
      return undefined;
    }
    case 'server-error': {
      const status = turn.status ?? 500;
      const message = turn.message ?? (status === 529 ? 'Overloaded' : 'The server had an error while processing your request.');
      sendJson(response, status, protocol.errorBody(status, message));
      return undefined;
    }
    case 'bad-request':
      sendJson(response, 400, protocol.errorBody(400, turn.message ?? 'Invalid request.'));
      return undefined;
    case 'hang':
      if (!response.closed) await new Promise((resolve) => response.once('close', resolve));
      return undefined;
    case 'html':
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(htmlPage);
      return undefined;
    case 'empty':
      response.writeHead(200, { 'content-type': request.stream ? 'text/event-stream' : 'application/json' });
      response.end();
      return undefined;
    case 'context-length': {
      const anthropic = protocol.protocol === 'anthropic-messages';
      const message = anthropic
        ? 'prompt is too long: 212345 tokens > 200000 maximum'
        : "This model's maximum context length is 128000 tokens. However, your messages resulted in 212345 tokens. Please reduce the length of the messages.";
      sendJson(response, 400, protocol.errorBody(400, message, 'context_length_exceeded'));
      return undefined;
    }
    case 'content-policy': {
      const anthropic = protocol.protocol === 'anthropic-messages';
      const message = anthropic
        ? 'Output blocked by content filtering policy'
        : 'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.';
      sendJson(response, 400, protocol.errorBody(400, message, 'content_policy_violation'));
      return undefined;
    }
    case 'malformed-tool-call':
      return { toolCalls: [{ name: turn.name ?? request.tools[0]?.name ?? 'tool', arguments: turn.arguments ?? '{"query": "unterminated' }] };
    case 'cut-stream':
      return { text: turn.text ?? 'This answer is cut off before it ends.' };
  }
}

function scriptedReply(turn: FakeReplyTurn, request: FakeModelRequest, protocol: ProtocolHandler, sequence: number): ScriptedReply {
  const text = turn.text ?? '';
  const toolCalls = (turn.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? `${protocol.toolCallIdPrefix}fake${sequence}_${index}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
  }));
  const output = text + toolCalls.map((call) => call.name + call.arguments).join('');
  return {
    text,
    toolCalls,
    ...(turn.deltaSize === undefined ? {} : { deltaSize: turn.deltaSize }),
    usage: {
      inputTokens: turn.usage?.inputTokens ?? estimateTokens(JSON.stringify(request.messages) + JSON.stringify(request.tools)),
      outputTokens: turn.usage?.outputTokens ?? estimateTokens(output),
      cachedTokens: turn.usage?.cachedTokens ?? 0,
    },
  };
}

function hasKey(request: IncomingMessage, protocol: ProtocolHandler, apiKey: string): boolean {
  if (protocol.protocol === 'anthropic-messages') return request.headers['x-api-key'] === apiKey;
  return request.headers.authorization === `Bearer ${apiKey}`;
}

/** The providers' own wording; OpenAI echoes a masked key, never the whole of it. */
function authMessage(request: IncomingMessage, protocol: ProtocolHandler): string {
  if (protocol.protocol === 'anthropic-messages') return 'invalid x-api-key';
  const key = (request.headers.authorization ?? '').replace(/^Bearer /, '');
  const masked = key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}` : '***';
  return `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`;
}
