import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { createOversightApi, type OversightApi } from './oversight-fixture.ts';

/**
 * The official `openai` client, unchanged, against a chat completion whose run waits for a
 * person: streaming keeps the stream open and delivers the human's reply (or, after an approval,
 * the agent's answer) as assistant content; without streaming the request answers RUN_WAITING.
 */
let api: OversightApi;
let server: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  api = await createOversightApi();
  server = await startServer({ app: api.app, port: 0 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: api.keys.app, maxRetries: 0 });
});
afterAll(async () => {
  await server.close({ drainMs: 100 });
  await api.close();
});

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk & { keel?: { waiting: string; runId: string } };

/** Streams a completion; `whenWaiting` runs once the stream says a person is on it. Resolves to every chunk and the run id. */
async function streamWithPerson(user: string, content: string, whenWaiting: (runId: string) => Promise<unknown>) {
  const { data: stream, response } = await client.chat.completions
    .create({ model: 'support', user, stream: true, messages: [{ role: 'user', content }] })
    .withResponse();
  const runId = response.headers.get('x-keel-run-id') ?? '';
  const chunks: Chunk[] = [];
  let acted: Promise<unknown> | undefined;
  for await (const chunk of stream as AsyncIterable<Chunk>) {
    chunks.push(chunk);
    if (chunk.keel?.waiting !== undefined && acted === undefined) acted = whenWaiting(runId);
  }
  await acted;
  const text = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? '')).join('');
  const finishes = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => (choice.finish_reason === null ? [] : [choice.finish_reason])));
  return { runId, chunks, text, finishes, acted: acted !== undefined };
}

async function escalationOf(runId: string): Promise<string> {
  const { escalations } = await api.store.listEscalations('acme', { runId });
  return escalations[0]?.id ?? '';
}

describe('chat completions of runs that wait for a person, with the official openai client', () => {
  it('streaming: stays open while a human takes over, then streams the reply as the assistant and finishes', async () => {
    const result = await streamWithPerson('chat-ana', 'Can I talk to a real person please?', async (runId) => {
      const reply = await api.json('POST', `/v1/escalations/${await escalationOf(runId)}/reply`, {
        key: api.keys.reviewer,
        body: { message: 'Hi, I am Rita from support. Your refund is on its way.' },
      });
      expect(reply.status).toBe(200);
    });
    expect(result.acted).toBe(true);
    expect(result.chunks.find((chunk) => chunk.keel !== undefined)).toMatchObject({
      keel: { waiting: 'human', runId: result.runId },
      choices: [{ delta: {} }],
    });
    expect(result.text).toBe('Hi, I am Rita from support. Your refund is on its way.');
    expect(result.finishes).toEqual(['stop']);
    expect(new Set(result.chunks.map((chunk) => chunk.id))).toEqual(new Set([`chatcmpl-${result.runId}`]));
    // The escalation stays open for more replies until a human resolves it.
    expect(await api.runtime.getRun(result.runId, { tenantId: 'acme' })).toMatchObject({ status: 'waiting', waitingReason: 'human' });
  });

  it('streaming: a reply that hands back is followed by the agent’s own answer', async () => {
    const result = await streamWithPerson('chat-bob', 'I want to speak to a representative', async (runId) => {
      await api.json('POST', `/v1/escalations/${await escalationOf(runId)}/reply`, {
        key: api.keys.reviewer,
        body: { message: 'I have fixed your account.', handBack: true },
      });
    });
    expect(result.text).toBe('I have fixed your account.\n\nThanks for waiting: anything else I can do?');
    expect(result.finishes).toEqual(['stop']);
    expect(await api.runtime.getRun(result.runId, { tenantId: 'acme' })).toMatchObject({ status: 'completed' });
  });

  it('streaming: waits through an approval and streams the agent’s answer once a reviewer approves', async () => {
    const result = await streamWithPerson('chat-cy', 'Refund order 1001: $80', async (runId) => {
      const { approvals } = await api.store.listApprovals('acme', { runId });
      await api.json('POST', `/v1/approvals/${approvals[0]?.id ?? ''}`, { key: api.keys.reviewer, body: { decision: 'approve' } });
    });
    expect(result.chunks.find((chunk) => chunk.keel !== undefined)?.keel?.waiting).toBe('approval');
    expect(result.text).toContain('rf_1001_80');
    expect(result.finishes).toEqual(['stop']);
  });

  it('not streaming: answers 409 RUN_WAITING at once, and the run waits for the human', async () => {
    const failure = await client.chat.completions
      .create({ model: 'support', user: 'chat-dee', messages: [{ role: 'user', content: 'Can I speak to a human, please?' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    const error = failure as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(409);
    expect(error.error).toMatchObject({ code: 'RUN_WAITING', details: { reason: 'human' } });
    const runId = error.headers?.get('x-keel-run-id') ?? '';
    expect(await api.runtime.getRun(runId, { tenantId: 'acme' })).toMatchObject({ status: 'waiting', waitingReason: 'human' });
  });
});
