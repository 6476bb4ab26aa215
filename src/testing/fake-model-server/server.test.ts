import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeModelServer, type FakeModelServer } from '../index.ts';

let server: FakeModelServer;
beforeEach(async () => {
  server = await startFakeModelServer();
});
afterEach(async () => {
  await server.close();
});

function post(path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
}

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

describe('startFakeModelServer', () => {
  it('listens on 127.0.0.1 and exposes the provider base URLs', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.openaiBaseURL).toBe(`${server.url}/v1`);
    expect(server.anthropicBaseURL).toBe(`${server.url}/v1`);
  });

  it('listens on the port it is given, so another process can be pointed at it', async () => {
    const taken = Number(new URL(server.url).port);
    await expect(startFakeModelServer({ port: taken })).rejects.toMatchObject({ code: 'EADDRINUSE' });

    await server.close();
    server = await startFakeModelServer({ port: taken });
    expect(server.url).toBe(`http://127.0.0.1:${taken}`);
    server.enqueue({ text: 'on a fixed port' });
    const reply = (await (await post('/v1/chat/completions', chat)).json()) as { choices: { message: { content: string } }[] };
    expect(reply.choices[0]?.message.content).toBe('on a fixed port');
  });

  it('answers queued turns in order and records each request', async () => {
    server.enqueue({ text: 'first' }, { text: 'second' });
    expect(server.pendingTurns).toBe(2);
    const first = (await (await post('/v1/chat/completions', chat, { authorization: 'Bearer k' })).json()) as { choices: { message: { content: string } }[] };
    const second = (await (await post('/v1/chat/completions', chat)).json()) as { choices: { message: { content: string } }[] };
    expect([first.choices[0]?.message.content, second.choices[0]?.message.content]).toEqual(['first', 'second']);
    expect(server.pendingTurns).toBe(0);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]).toMatchObject({
      protocol: 'openai-chat',
      path: '/v1/chat/completions',
      model: 'gpt-4o-mini',
      stream: false,
      messages: [{ role: 'user', content: 'Hi' }],
      body: chat,
    });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer k');
  });

  it('falls back to the responder, which sees the parsed request', async () => {
    server.setResponder(async (request) => {
      await Promise.resolve();
      return { text: `echo: ${request.messages.at(-1)?.content ?? ''} (${request.protocol})` };
    });
    const response = await post('/v1/messages', {
      model: 'claude-haiku-4-5',
      max_tokens: 10,
      system: 'Be brief',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'ping' }] }],
    });
    const body = (await response.json()) as { content: { text: string }[] };
    expect(body.content[0]?.text).toBe('echo: ping (anthropic-messages)');
    expect(server.requests[0]?.messages).toEqual([
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: 'ping' },
    ]);
  });

  it('answers a 500 in the provider error format when nothing is scripted', async () => {
    const openai = await post('/v1/responses', { model: 'gpt-4o-mini', input: 'Hi' });
    expect(openai.status).toBe(500);
    expect(await openai.json()).toMatchObject({ error: { type: 'server_error', message: expect.stringContaining('no scripted turn') } });
    const anthropic = await post('/v1/messages', { model: 'claude-haiku-4-5', messages: [] });
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('no scripted turn') } });
  });

  it('sends Retry-After with a 429 (and retry-after-ms on OpenAI endpoints)', async () => {
    server.enqueue({ fault: 'rate-limit', retryAfterSeconds: 1.5 }, { fault: 'rate-limit', retryAfterSeconds: 3 });
    const openai = await post('/v1/chat/completions', chat);
    expect(openai.status).toBe(429);
    expect([openai.headers.get('retry-after'), openai.headers.get('retry-after-ms')]).toEqual(['2', '1500']);
    expect(await openai.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    const anthropic = await post('/v1/messages', { model: 'claude-haiku-4-5', messages: [] });
    expect([anthropic.headers.get('retry-after'), anthropic.headers.get('retry-after-ms')]).toEqual(['3', null]);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('streams Chat Completions chunks, with a usage chunk only when asked, and [DONE]', async () => {
    server.enqueue({ text: 'a b', usage: { inputTokens: 3, outputTokens: 2 } }, { text: 'a b' });
    const withUsage = await (await post('/v1/chat/completions', { ...chat, stream: true, stream_options: { include_usage: true } })).text();
    const without = await (await post('/v1/chat/completions', { ...chat, stream: true })).text();
    expect(withUsage).toContain('"prompt_tokens":3');
    expect(withUsage.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(without).not.toContain('prompt_tokens');
    expect(without).toContain('"finish_reason":"stop"');
  });

  it('streams Responses and Messages events with their event names', async () => {
    server.enqueue({ text: 'hi' }, { text: 'hi' });
    const responses = await (await post('/v1/responses', { model: 'gpt-4o-mini', input: 'Hi', stream: true })).text();
    expect(responses.startsWith('event: response.created\ndata: {"type":"response.created","sequence_number":0')).toBe(true);
    expect(responses).toContain('event: response.completed');
    const messages = await (await post('/v1/messages', { model: 'claude-haiku-4-5', messages: [], stream: true })).text();
    expect(messages.startsWith('event: message_start\n')).toBe(true);
    expect(messages.trimEnd().endsWith('data: {"type":"message_stop"}')).toBe(true);
  });

  it('rejects requests without the configured key', async () => {
    await server.close();
    server = await startFakeModelServer({ apiKey: 'secret-key-123456' });
    server.enqueue({ text: 'ok' });
    expect((await post('/v1/chat/completions', chat, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post('/v1/messages', { model: 'm', messages: [] }, { 'x-api-key': 'wrong' })).status).toBe(401);
    expect((await post('/v1/chat/completions', chat, { authorization: 'Bearer secret-key-123456' })).status).toBe(200);
  });

  it('answers unknown routes with 404', async () => {
    expect((await post('/v1/embeddings', {})).status).toBe(404);
  });

  it('close() returns promptly while a request hangs, and the client sees the connection drop', async () => {
    server.enqueue({ fault: 'hang' });
    const pending = post('/v1/chat/completions', chat).then(
      () => 'answered',
      () => 'failed',
    );
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBe('failed');
  });

  it('waits delayMs before answering', async () => {
    server.enqueue({ text: 'late', delayMs: 120 });
    const started = Date.now();
    await (await post('/v1/chat/completions', chat)).json();
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});
