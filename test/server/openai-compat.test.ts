import OpenAI from 'openai';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createApp } from '../../src/server/app.ts';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import type { RunRecord } from '../../src/store/store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { startFakeModelServer, type FakeModelRequest, type FakeModelServer, type FakeTurn } from '../../src/testing/index.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';
import type { Worker } from '../../src/engine/runtime-types.ts';

/**
 * The official `openai` client, unchanged, against Keel served on 127.0.0.1: the agent runs on
 * the real AI SDK provider talking to the fake upstream, looks an order up with a tool (which
 * the client must never see), then answers.
 */
let upstream: FakeModelServer;
let test: TestRuntime;
let worker: Worker;
let server: RunningServer;
let client: OpenAI;
let key: string;

function respond(request: FakeModelRequest): FakeTurn {
  const toolResults = request.messages.filter((message) => message.role === 'tool').length;
  if (toolResults === 0)
    return {
      chunkDelayMs: 2,
      text: 'Let me look that up.',
      toolCalls: [{ name: 'lookup_order', arguments: { orderId: '1001' } }],
      usage: { inputTokens: 50, outputTokens: 10 },
    };
  return { chunkDelayMs: 2, text: 'Order 1001 has shipped with UPS.', usage: { inputTokens: 80, outputTokens: 9, cachedTokens: 20 } };
}

const lookupOrder = defineTool({
  name: 'lookup_order',
  description: 'Look an order up',
  input: z.object({ orderId: z.string() }),
  effect: 'read',
  execute: ({ orderId }) => ({ orderId, status: 'shipped' }),
});

beforeAll(async () => {
  upstream = await startFakeModelServer({ responder: respond });
  test = await createTestRuntime({
    agents: [defineAgent({ name: 'support', model: 'openai:gpt-fake', instructions: 'Help.', tools: [lookupOrder] })],
    providers: { openai: { baseURL: upstream.openaiBaseURL, apiKey: 'upstream-key' } },
  });
  worker = test.runtime.startWorker({ pollIntervalMs: 20 });
  key = (await createApiKey(test.store, { tenantId: 'acme', role: 'app' })).key;
  server = await startServer({ app: createApp({ runtime: test.runtime, logger: createSilentLogger() }), port: 0 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
});

afterAll(async () => {
  await server.close({ drainMs: 100 });
  await worker.stop();
  await test.close();
  await upstream.close();
});

const expectedText = 'Let me look that up.\n\nOrder 1001 has shipped with UPS.';

describe('GET /v1/models with the official openai client', () => {
  it('lists the agents in OpenAI’s shape, and retrieves one', async () => {
    const page = await client.models.list();
    expect(page.data).toEqual([{ id: 'support', object: 'model', created: expect.any(Number), owned_by: 'keel' }]);
    const created = page.data[0]?.created ?? 0;
    expect(Math.abs(created - Date.now() / 1000)).toBeLessThan(3_600);
    const raw = (await (await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json()) as { object: string };
    expect(raw.object).toBe('list');

    expect(await client.models.retrieve('support')).toEqual(page.data[0]);
    const missing = await client.models.retrieve('gpt-4o').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('AGENT_NOT_FOUND');
  });
});

describe('POST /v1/chat/completions with the official openai client', () => {
  it('answers a non-streaming request from a durable run, with no tool calls exposed', async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'support', messages: [{ role: 'user', content: 'Where is order 1001?' }], user: 'ana' })
      .withResponse();
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'support',
      choices: [{ index: 0, message: { role: 'assistant', content: expectedText }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 130, completion_tokens: 19, total_tokens: 149, prompt_tokens_details: { cached_tokens: 20 } },
    });
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();

    const runId = response.headers.get('x-keel-run-id') ?? '';
    expect(completion.id).toBe(`chatcmpl-${runId}`);
    const run = (await test.store.getRun('acme', runId)) as RunRecord;
    expect(run).toMatchObject({ status: 'completed', userId: 'ana', agent: 'support', metadata: { source: 'chat-completions' } });
    const listed = await fetch(`${server.url}/v1/runs?userId=ana`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await listed.json()) as { data: RunRecord[] }).data.map((item) => item.id)).toContain(runId);
  });

  it("streams chunks in OpenAI's schema: role first, one id, one finish_reason, the usage chunk", async () => {
    const stream = await client.chat.completions.create({
      model: 'support',
      messages: [{ role: 'user', content: 'Where is order 1001?' }],
      user: 'ana',
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === 'support')).toBe(true);
    const finishes = chunks.flatMap((chunk) => chunk.choices.filter((choice) => choice.finish_reason !== null).map((choice) => choice.finish_reason));
    expect(finishes).toEqual(['stop']);
    expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? '')).join('')).toBe(expectedText);
    expect(chunks.some((chunk) => chunk.choices.some((choice) => choice.delta.tool_calls !== undefined))).toBe(false);
    // More than role + one text chunk + finish: the text really streamed.
    expect(chunks.length).toBeGreaterThan(4);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 130, completion_tokens: 19, total_tokens: 149 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('ends the raw stream with data: [DONE], and without the usage chunk unless asked', async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'support', stream: true, messages: [{ role: 'user', content: 'Where is order 1001?' }] }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = text
      .split('\n\n')
      .filter((block) => block.startsWith('data: {'))
      .map((block) => JSON.parse(block.slice(6)) as Record<string, unknown>);
    expect(events.every((event) => !('usage' in event))).toBe(true);
  });

  it('answers errors in a shape the client understands', async () => {
    await expect(client.chat.completions.create({ model: 'nobody', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 404,
      error: { code: 'AGENT_NOT_FOUND' },
    });
    await expect(
      client.chat.completions.create({ model: 'support', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }] }),
    ).rejects.toMatchObject({ status: 400, error: { code: 'INPUT_INVALID' } });
    await expect(client.chat.completions.create({ model: 'support', messages: [{ role: 'assistant', content: 'hi' }] })).rejects.toMatchObject({
      status: 400,
    });
    const unauthenticated = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'keel_not-a-key', maxRetries: 0 });
    await expect(unauthenticated.chat.completions.create({ model: 'support', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 401,
    });
  });
});
