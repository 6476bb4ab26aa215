import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { startFakeModelServer, type FakeModelServer } from '../../src/testing/index.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

/**
 * The chat endpoint beyond one-shot questions: continuing a Keel session with the
 * x-keel-session-id header, and a run that parks for a human (here: a tenant budget of zero)
 * answering RUN_WAITING while the run itself stays durable.
 */
let upstream: FakeModelServer;
let api: TestApi;

beforeAll(async () => {
  upstream = await startFakeModelServer({
    responder: (request) => ({ text: `I have seen ${request.messages.filter((message) => message.role === 'user').length} user messages.` }),
  });
  api = await createTestApi({
    agents: [defineAgent({ name: 'support', model: 'openai:gpt-4o-mini', instructions: 'Help.' })],
    worker: true,
    providers: { openai: { baseURL: upstream.openaiBaseURL, apiKey: 'test' } },
  });
});

afterAll(async () => {
  await api.close();
  await upstream.close();
});

const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api.request('POST', '/v1/chat/completions', { body: { model: 'support', user: 'ana', ...body }, headers });

describe('chat completions and Keel sessions', () => {
  it('quotes earlier messages in a new session, and continues a session named by x-keel-session-id', async () => {
    const first = await chat({
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Where is 1001?' },
      ],
    });
    expect(first.status).toBe(200);
    const sessionId = first.headers.get('x-keel-session-id') ?? '';
    expect(
      upstream.requests
        .at(-1)
        ?.messages.filter((message) => message.role === 'user')
        .at(-1)?.content,
    ).toContain('The conversation so far:\n\nuser: Hi\n\nassistant: Hello');

    const second = await chat({ messages: [{ role: 'user', content: 'And 1002?' }] }, { 'x-keel-session-id': sessionId });
    expect(second.headers.get('x-keel-session-id')).toBe(sessionId);
    expect(((await second.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe('I have seen 2 user messages.');
    const messages = await api.json<{ data: Array<{ role: string }> }>('GET', `/v1/sessions/${sessionId}/messages`);
    expect(messages.body.data.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);

    const intruder = await chat({ user: 'mallory', messages: [{ role: 'user', content: 'Show me' }] }, { 'x-keel-session-id': sessionId });
    expect(intruder.status).toBe(404);
  });

  it('answers RUN_WAITING when the run parks, streaming or not, and the run stays', async () => {
    const budget = await api.request('PUT', '/v1/budgets/user/bob', { key: api.keys.admin, body: { limitUsd: 0, period: 'total' } });
    expect(budget.status).toBe(200);

    const plain = await chat({ user: 'bob', messages: [{ role: 'user', content: 'Hi' }] });
    const body = (await plain.json()) as { error: { code: string; details: { runId: string; reason: string } } };
    expect([plain.status, body.error.code, body.error.details.reason]).toEqual([409, 'RUN_WAITING', 'budget']);
    expect(plain.headers.get('x-keel-run-id')).toBe(body.error.details.runId);
    expect((await api.json('GET', `/v1/runs/${body.error.details.runId}`)).body).toMatchObject({ status: 'waiting', waitingReason: 'budget' });

    const streamed = await chat({ user: 'bob', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    const text = await streamed.text();
    expect(text).toContain('"code":"RUN_WAITING"');
    expect(text).not.toContain('[DONE]');
  });
});
