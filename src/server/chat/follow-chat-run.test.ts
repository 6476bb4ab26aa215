import { afterEach, describe, expect, it } from 'vitest';
import { defineAgent } from '../../sdk/define-agent.ts';
import { scriptedModel } from '../../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../../testing/test-runtime.ts';
import { followChatRun, type ChatRunEvent, type FollowChatRunOptions } from './follow-chat-run.ts';

/**
 * What a chat completion sees of a run that waits for a person, on real runs escalated by their
 * user's request: the human's reply as the assistant's text, waiting through (streaming) or
 * answering RUN_WAITING (not), the journal already past the wait, and a shutdown mid-wait.
 */
let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const actor = { kind: 'key' as const, keyId: 'key_1', name: 'Rita' };

async function escalatedRun(script: Parameters<typeof scriptedModel>[0] = []) {
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'support', model: scriptedModel(script), instructions: 'Help.', escalation: {} })] });
  const run = await harness.runtime.run({ agent: 'support', input: 'Can I talk to a real person please?', userId: 'ana', tenantId: 'acme' });
  const { escalations } = await harness.store.listEscalations('acme', { runId: run.id });
  return { run, escalationId: escalations[0]?.id ?? '', runtime: harness.runtime };
}

async function collect(events: AsyncIterable<ChatRunEvent>, onEvent?: (event: ChatRunEvent) => void): Promise<ChatRunEvent[]> {
  const seen: ChatRunEvent[] = [];
  for await (const event of events) {
    seen.push(event);
    onEvent?.(event);
  }
  return seen;
}

const options = (overrides: Partial<FollowChatRunOptions>): FollowChatRunOptions => ({
  tenantId: 'acme',
  structured: false,
  signal: new AbortController().signal,
  waitForPeople: false,
  ...overrides,
});

const usage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };

describe('followChatRun and people', () => {
  it('without waiting: RUN_WAITING at once; once a reply is in the journal, the reply as the answer', async () => {
    const { run, escalationId, runtime } = await escalatedRun();
    expect(await collect(followChatRun(runtime, run.id, options({})))).toEqual([
      { type: 'failed', error: expect.objectContaining({ code: 'RUN_WAITING', details: { runId: run.id, reason: 'human' } }) },
    ]);
    await runtime.replyToEscalation(escalationId, { message: 'Hi, Rita here.' }, { tenantId: 'acme', actor });
    expect(await collect(followChatRun(runtime, run.id, options({})))).toEqual([
      { type: 'text', text: 'Hi, Rita here.' },
      { type: 'done', finishReason: 'stop', usage },
    ]);
  });

  it('waiting: says so, then streams the reply when it comes; a hand-back streams the agent after it', async () => {
    const { run, escalationId, runtime } = await escalatedRun([{ text: 'Anything else?' }]);
    let replied: Promise<unknown> | undefined;
    const events = await collect(followChatRun(runtime, run.id, options({ waitForPeople: true })), (event) => {
      if (event.type === 'waiting') {
        replied = runtime
          .replyToEscalation(escalationId, { message: 'Refunded.', handBack: true }, { tenantId: 'acme', actor })
          .then(() => runtime.executeRun(run.id, { tenantId: 'acme' }));
      }
    });
    await replied;
    expect(events).toEqual([
      { type: 'waiting', reason: 'human' },
      { type: 'text', text: 'Refunded.' },
      { type: 'text', text: '\n\nAnything else?' },
      { type: 'done', finishReason: 'stop', usage: expect.objectContaining({ inputTokens: 10, outputTokens: 5 }) },
    ]);
  });

  it('for a structured agent too, the reply is the answer, in words, and ends the request', async () => {
    const { run, escalationId, runtime } = await escalatedRun();
    await runtime.replyToEscalation(escalationId, { message: 'Done.' }, { tenantId: 'acme', actor });
    await runtime.resolveEscalation(escalationId, {}, { tenantId: 'acme', actor });
    expect(await collect(followChatRun(runtime, run.id, options({ structured: true, waitForPeople: true })))).toEqual([
      { type: 'waiting', reason: 'human' },
      { type: 'text', text: 'Done.' },
      { type: 'done', finishReason: 'stop', usage },
    ]);
  });

  it('ends a request waiting for a person with SHUTTING_DOWN when the server shuts down; the run keeps waiting', async () => {
    const { run, runtime } = await escalatedRun();
    const shutdown = new AbortController();
    const events = await collect(followChatRun(runtime, run.id, options({ waitForPeople: true, endSignal: shutdown.signal })), (event) => {
      if (event.type === 'waiting') shutdown.abort();
    });
    expect(events).toEqual([
      { type: 'waiting', reason: 'human' },
      { type: 'failed', error: expect.objectContaining({ code: 'SHUTTING_DOWN', details: { runId: run.id } }) },
    ]);
    expect(await runtime.getRun(run.id, { tenantId: 'acme' })).toMatchObject({ status: 'waiting', waitingReason: 'human' });
  });

  it('stops quietly when the client goes away while waiting', async () => {
    const { run, runtime } = await escalatedRun();
    const client = new AbortController();
    const events = await collect(followChatRun(runtime, run.id, options({ waitForPeople: true, signal: client.signal })), (event) => {
      if (event.type === 'waiting') client.abort();
    });
    expect(events).toEqual([{ type: 'waiting', reason: 'human' }]);
  });
});
