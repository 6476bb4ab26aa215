import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeelError } from '../../errors/index.ts';
import type { ModelMessage } from '../../journal/messages.ts';
import { ask, drain } from '../ai-sdk/test-helpers.ts';
import type { ModelRequest } from '../model.ts';
import { withRetry } from '../retry.ts';
import { chatCompletionsModel } from './chat-completions-model.ts';
import { encodeRequest } from './encode-request.ts';
import { chatCompletionsAgents, idleConnectionMs, keepAliveAgents, postJson } from './post-json.ts';

/*
 * Wire details the fake model server does not produce (it is covered, with every fault, by the
 * protocol suites in ../ai-sdk/): a raw upstream here writes exactly the bytes each test names.
 */

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

let server: Server;
let baseURL: string;
let seen: Seen[];
let answer: (response: ServerResponse) => void;

beforeEach(async () => {
  seen = [];
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ url: request.url ?? '', headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      answer(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Answers with an event stream written in the given pieces, a few milliseconds apart. */
function streamPieces(pieces: string[]): (response: ServerResponse) => void {
  return (response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    let index = 0;
    const next = () => {
      if (index === pieces.length) return void response.end();
      response.write(pieces[index]);
      index += 1;
      setTimeout(next, 2);
    };
    next();
  };
}

const data = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  data({ model: 'served-model', choices: [{ index: 0, delta }], ...extra });

const hello: ModelRequest = { messages: [{ role: 'user', content: 'Hello' }] };

async function failure(work: Promise<unknown>): Promise<KeelError> {
  try {
    await work;
  } catch (error) {
    if (KeelError.isInstance(error)) return error;
    throw new Error(`expected a KeelError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the call to fail');
}

describe('chatCompletionsModel', () => {
  it('reads events split across writes, CRLF line ends and comments, and the usage chunk after the finish', async () => {
    const stream = [
      chunk({ role: 'assistant', content: 'Hel' }),
      chunk({ content: 'lo!' }),
      chunk({}, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    ].join('');
    const usage = data({ model: 'served-model', choices: [], usage: { prompt_tokens: 12, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 8 } } });
    const crlf = `: keep-alive\r\n\r\n${usage.replace(/\n/g, '\r\n')}data: [DONE]\r\n\r\n`;
    // Cut mid-event, mid-line and mid-field.
    answer = streamPieces([stream.slice(0, 7), stream.slice(7, 60), stream.slice(60), crlf.slice(0, 20), crlf.slice(20)]);
    const model = chatCompletionsModel('asked-model', { baseURL, name: 'local' });
    const { response, deltas } = await ask(model, hello, 'stream');
    expect(deltas).toEqual(['Hel', 'lo!']);
    expect(response).toEqual({
      text: 'Hello!',
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 3, cachedTokens: 8 },
      modelId: 'served-model',
      provider: 'local',
    });
    expect(seen[0]?.url).toBe('/v1/chat/completions');
    expect(seen[0]?.body).toMatchObject({ model: 'asked-model', stream: true, stream_options: { include_usage: true } });
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it('assembles interleaved tool calls from their pieces, and names calls that came without an id', async () => {
    answer = streamPieces([
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, type: 'function', function: { name: 'get_time', arguments: '{"zo' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: 'ne":"UTC"}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
      data({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }),
      'data: [DONE]\n\n',
    ]);
    const { response } = await ask(chatCompletionsModel('m', { baseURL, apiKey: 'sk-test' }), hello, 'stream');
    expect(response.finishReason).toBe('tool-calls');
    expect(response.toolCalls[0]).toEqual({ callId: 'call_a', toolName: 'get_weather', arguments: '{"city":"Oslo"}' });
    expect(response.toolCalls[1]).toMatchObject({ toolName: 'get_time', arguments: '{"zone":"UTC"}' });
    expect(response.toolCalls[1]?.callId).toMatch(/^call_[0-9a-f-]{36}$/);
    expect(seen[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it('tells apart calls a server numbers all 0, by their ids', async () => {
    answer = streamPieces([
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"zone":"UTC"}' } }] }),
      data({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }),
    ]);
    const { response } = await ask(chatCompletionsModel('m', { baseURL }), hello, 'stream');
    expect(response.toolCalls).toEqual([
      { callId: 'call_a', toolName: 'get_weather', arguments: '{"city":"Oslo"}' },
      { callId: 'call_b', toolName: 'get_time', arguments: '{"zone":"UTC"}' },
    ]);
  });

  it('continues a call whose pieces come without an index, and starts one at each new name', async () => {
    answer = streamPieces([
      chunk({ tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ function: { arguments: '"Oslo"}' } }] }),
      chunk({ tool_calls: [{ type: 'function', function: { name: 'get_time', arguments: '{"zone":"UTC"}' } }] }),
      data({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }),
    ]);
    const { response } = await ask(chatCompletionsModel('m', { baseURL }), hello, 'stream');
    expect(response.toolCalls.map(({ toolName, arguments: text }) => ({ toolName, text }))).toEqual([
      { toolName: 'get_weather', text: '{"city":"Oslo"}' },
      { toolName: 'get_time', text: '{"zone":"UTC"}' },
    ]);
    expect(response.toolCalls[0]?.callId).toBe('call_a');
  });

  it('keeps one call when a server repeats its id and name in every piece, or sends the name again with nothing more', async () => {
    answer = streamPieces([
      chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'get_weather', arguments: '{"ci' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'get_weather', arguments: 'ty":"Oslo"}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { name: 'get_weather', arguments: '' } }] }),
      data({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }),
    ]);
    const { response } = await ask(chatCompletionsModel('m', { baseURL }), hello, 'stream');
    expect(response.toolCalls).toEqual([{ callId: 'call_a', toolName: 'get_weather', arguments: '{"city":"Oslo"}' }]);
  });

  it('fails on an error the server reports inside the stream, after text, without a response part', async () => {
    answer = streamPieces([chunk({ content: 'Partial' }), data({ error: { message: 'The engine is overloaded', type: 'server_error' } })]);
    const { types, error } = await drain(chatCompletionsModel('m', { baseURL }), hello);
    expect(types).toEqual(['text-delta']);
    expect(KeelError.isInstance(error) && error.code).toBe('MODEL_UNAVAILABLE');
    expect(KeelError.isInstance(error) && error.message).toContain('The engine is overloaded');
  });

  it('fails a stream whose event is not JSON', async () => {
    answer = streamPieces([chunk({ content: 'ok' }), 'data: {"choices": [\n\n']);
    const { error } = await drain(chatCompletionsModel('m', { baseURL }), hello);
    expect(KeelError.isInstance(error) && error.code).toBe('MODEL_RESPONSE_INVALID');
  });

  it('fails a streamed tool call that never names its function', async () => {
    answer = streamPieces([
      chunk({ tool_calls: [{ index: 0, id: 'call_x', function: { arguments: '{}' } }] }),
      data({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }),
    ]);
    const { types, error } = await drain(chatCompletionsModel('m', { baseURL }), hello);
    expect(types).toEqual([]);
    expect(KeelError.isInstance(error) && error.code).toBe('MODEL_RESPONSE_INVALID');
  });

  it('reads content given as a list of parts, and reports a refusal as content-filtered', async () => {
    answer = streamPieces([
      chunk({ content: [{ type: 'text', text: 'Part one. ' }, { type: 'image_url' }] }),
      chunk({ refusal: 'I cannot help.' }, { choices: [{ index: 0, delta: { refusal: 'I cannot help.' }, finish_reason: 'stop' }] }),
    ]);
    const { response } = await ask(chatCompletionsModel('m', { baseURL }), hello, 'stream');
    expect(response.text).toBe('Part one. I cannot help.');
    expect(response.finishReason).toBe('content-filter');
  });

  it('answers a non-streamed call, with the served model and no usage counted as zero', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          model: 'served',
          choices: [
            {
              message: { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
              finish_reason: 'tool_calls',
            },
          ],
        }),
      );
    };
    const response = await chatCompletionsModel('m', { baseURL }).generate(hello);
    expect(response).toEqual({
      text: '',
      toolCalls: [{ callId: 'c1', toolName: 'f', arguments: '{"a":1}' }],
      finishReason: 'tool-calls',
      usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0 },
      modelId: 'served',
      provider: 'openai-compatible',
    });
    expect(seen[0]?.body.stream).toBeUndefined();
  });

  it('fails a non-streamed answer without choices', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"object":"chat.completion","choices":[]}');
    };
    const error = await failure(chatCompletionsModel('m', { baseURL }).generate(hello));
    expect(error.code).toBe('MODEL_RESPONSE_INVALID');
    expect(error.message).toContain('did not contain any choices');
  });

  it('maps a refused connection to MODEL_UNAVAILABLE, retryable', async () => {
    // Nothing listens on port 1.
    const error = await failure(chatCompletionsModel('m', { baseURL: 'http://127.0.0.1:1/v1' }).generate(hello));
    expect(error.code).toBe('MODEL_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('Cannot connect to API');
  });

  it('keeps the API key out of errors, even when the server echoes it', async () => {
    const key = 'sk-live-secret-abcdefghijklmnop';
    answer = (response) => {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}` } }));
    };
    const error = await failure(chatCompletionsModel('m', { baseURL, apiKey: key }).generate(hello));
    expect(error.code).toBe('MODEL_AUTH_FAILED');
    const shown = JSON.stringify({ message: error.message, details: error.details, json: error.toJSON() });
    expect(shown).not.toContain(key);
    expect(shown).toContain('Incorrect API key provided');
  });
});

describe('chatCompletionsModel transport', () => {
  const text = (words: string[]) => [
    ...words.map((word) => chunk({ content: word })),
    chunk({}, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    'data: [DONE]\n\n',
  ];

  it('keeps one connection alive across calls, streamed or not, and says what it accepts', async () => {
    const ports: number[] = [];
    server.on('request', (request: IncomingMessage) => ports.push(request.socket.remotePort ?? 0));
    const model = chatCompletionsModel('m', { baseURL });
    answer = streamPieces(text(['a', 'b']));
    await ask(model, hello, 'stream');
    await ask(model, hello, 'stream');
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'c' }, finish_reason: 'stop' }] }));
    };
    await model.generate(hello);
    expect(ports).toHaveLength(3);
    expect(new Set(ports).size).toBe(1);
    expect(seen.map((request) => request.headers.accept)).toEqual(['text/event-stream', 'text/event-stream', 'application/json']);
    expect(seen.every((request) => request.headers['content-type'] === 'application/json' && request.headers['user-agent'] === 'keel')).toBe(true);
  });

  it('closes a kept-alive connection once it has sat idle for the pool limit, under the 5 s servers allow', async () => {
    expect(idleConnectionMs).toBeLessThan(5_000);
    const closed: Promise<void>[] = [];
    server.on('request', (request: IncomingMessage) => closed.push(new Promise((resolve) => request.socket.once('close', () => resolve()))));
    const agents = keepAliveAgents(100);
    try {
      const endpoint = new URL(`${baseURL}chat/completions`);
      answer = streamPieces(text(['idle']));
      const response = await postJson(endpoint, { 'content-type': 'application/json' }, '{"model":"m","messages":[]}', undefined, agents);
      response.resume();
      await new Promise((resolve) => response.once('end', resolve));
      // The server keeps it for 5 s; the client's pool lets it go well before.
      const outcome = await Promise.race([closed[0]?.then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('still open'), 2_000))]);
      expect(outcome).toBe('closed');
    } finally {
      agents.http.destroy();
    }
  });

  it('keeps the query of a base URL that has one, and sends to <baseURL>/chat/completions', async () => {
    answer = streamPieces(text(['ok']));
    const withQuery = `${baseURL.replace(/\/$/, '')}?api-version=2024-10-21`;
    await ask(chatCompletionsModel('m', { baseURL: withQuery }), hello, 'stream');
    expect(seen[0]?.url).toBe('/v1/chat/completions?api-version=2024-10-21');
  });

  it('refuses a baseURL that is not an http(s) URL or that holds credentials, when the model is made', () => {
    for (const [given, says] of [
      ['sk-live-pasted-here-by-mistake', 'is not a URL'],
      ['ftp://models.example.test/v1', 'must be http: or https:'],
      ['https://user:secret@models.example.test/v1', 'must not hold credentials'],
    ]) {
      let thrown: unknown;
      try {
        chatCompletionsModel('m', { baseURL: given ?? '' });
      } catch (error) {
        thrown = error;
      }
      expect(KeelError.isInstance(thrown) && thrown.code).toBe('CONFIG_INVALID');
      expect((thrown as KeelError).message).toContain(says);
      expect((thrown as KeelError).message).not.toMatch(/secret|sk-live/);
    }
  });

  it('drops the connection of a stream its reader leaves early, and the next call gets a new one', async () => {
    const ports: number[] = [];
    const closed: Promise<void>[] = [];
    server.on('request', (request: IncomingMessage) => {
      ports.push(request.socket.remotePort ?? 0);
      closed.push(new Promise((resolve) => request.socket.once('close', () => resolve())));
    });
    const model = chatCompletionsModel('m', { baseURL });
    answer = streamPieces(text(['first', 'second', 'third']));
    for await (const part of model.stream?.(hello) ?? []) {
      expect(part).toEqual({ type: 'text-delta', text: 'first' });
      break;
    }
    // Closed by the client: left open, the server would close it only at its keep-alive timeout (5 s).
    const outcome = await Promise.race([closed[0]?.then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('still open'), 2_000))]);
    expect(outcome).toBe('closed');
    const { response } = await ask(model, hello, 'stream');
    expect(response.text).toBe('firstsecondthird');
    expect(ports).toHaveLength(2);
    expect(ports[0]).not.toBe(ports[1]);
  });

  it('reports a redirect with where the API moved, and does not follow it', async () => {
    answer = (response) => {
      response.writeHead(308, { location: 'https://api.example.test/v1/chat/completions' });
      response.end();
    };
    const error = await failure(chatCompletionsModel('m', { baseURL }).generate(hello));
    expect(error.code).toBe('MODEL_RESPONSE_INVALID');
    expect(error.message).toContain('the API moved to https://api.example.test/v1/chat/completions');
    expect(seen).toHaveLength(1);
    // It would answer the same again: the gateway's retries do not ask twice.
    const retried = await failure(withRetry(chatCompletionsModel('m', { baseURL }), { maxAttempts: 3, sleep: async () => undefined }).generate(hello));
    expect(retried).toMatchObject({ code: 'MODEL_RESPONSE_INVALID', retryable: false });
    expect(seen).toHaveLength(2);
  });

  it('speaks HTTPS to an https: baseURL', async () => {
    const fixtures = new URL('../../../test/fixtures/tls/', import.meta.url);
    const cert = await readFile(new URL('localhost-cert.pem', fixtures), 'utf8');
    const key = await readFile(new URL('localhost-key.pem', fixtures), 'utf8');
    const secure = createHttpsServer({ cert, key }, (request, response) => {
      request.resume();
      request.on('end', () => streamPieces(text(['over', ' TLS']))(response));
    });
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    // The test's own certificate authority, for the connections of this test only.
    const trusted = chatCompletionsAgents.https.options.ca;
    chatCompletionsAgents.https.options.ca = cert;
    try {
      const { port } = secure.address() as AddressInfo;
      const { response } = await ask(chatCompletionsModel('m', { baseURL: `https://localhost:${port}/v1` }), hello, 'stream');
      expect(response.text).toBe('over TLS');
    } finally {
      chatCompletionsAgents.https.options.ca = trusted;
      chatCompletionsAgents.https.destroy();
      secure.closeAllConnections();
      await new Promise((resolve) => secure.close(resolve));
    }
  });
});

describe('encodeRequest', () => {
  const tools = [{ name: 'get_weather', description: 'Weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }];

  it('writes the conversation in the Chat Completions format', () => {
    const messages: ModelMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: '', toolCalls: [{ callId: 'c1', toolName: 'get_weather', arguments: '{ "city" : "Oslo" }' }] },
      { role: 'tool', callId: 'c1', toolName: 'get_weather', content: { sky: 'grey', at: new Date('2030-01-01T00:00:00Z') } },
      { role: 'assistant', content: 'Retrying.', toolCalls: [{ callId: 'c2', toolName: 'get_weather', arguments: '{"city": "unterminated' }] },
      { role: 'tool', callId: 'c2', toolName: 'get_weather', content: 'Invalid arguments', isError: true },
      { role: 'assistant', content: 'Done.' },
      { role: 'tool', callId: 'c3', toolName: 'get_weather', content: undefined },
    ];
    const body = JSON.parse(
      encodeRequest('m', { messages, tools, toolChoice: 'auto', maxOutputTokens: 100, temperature: 0, responseFormat: { type: 'json' } }, false),
    ) as Record<string, unknown>;
    expect(body).toEqual({
      model: 'm',
      max_tokens: 100,
      temperature: 0,
      response_format: { type: 'json_object' },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '{"sky":"grey","at":"2030-01-01T00:00:00.000Z"}' },
        // Malformed arguments are replayed as an empty object; the tool result says why.
        { role: 'assistant', content: 'Retrying.', tool_calls: [{ id: 'c2', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c2', content: 'Invalid arguments' },
        { role: 'assistant', content: 'Done.' },
        { role: 'tool', tool_call_id: 'c3', content: 'null' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: tools[0]?.inputSchema } }],
      tool_choice: 'auto',
    });
  });

  it('sends the same body for the same conversation, and new messages as they are added', () => {
    const messages: ModelMessage[] = [{ role: 'user', content: 'One' }];
    const first = encodeRequest('m', { messages, tools }, true);
    expect(encodeRequest('m', { messages, tools }, true)).toBe(first);
    messages.push({ role: 'assistant', content: 'Two' }, { role: 'user', content: 'Three' });
    const grown = JSON.parse(encodeRequest('m', { messages, tools }, true)) as { messages: unknown[] };
    expect(grown.messages).toEqual([
      { role: 'user', content: 'One' },
      { role: 'assistant', content: 'Two' },
      { role: 'user', content: 'Three' },
    ]);
  });

  it('leaves tool_choice out without tools, and sends no tools when there are none', () => {
    const body = JSON.parse(encodeRequest('m', { ...hello, tools: [], toolChoice: 'none' }, false)) as Record<string, unknown>;
    expect(body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'Hello' }] });
  });
});
