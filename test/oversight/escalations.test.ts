import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { startFakeModelServer, type FakeModelRequest, type FakeModelServer, type FakeTurn } from '../../src/testing/index.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';

/**
 * Escalation to a human with a real handoff: the model asks for one after its tools failed to
 * help; the handoff package holds the user's request, the tool calls tried and the pending
 * question; a reply reaches the run's event stream; handing back resumes the agent with the
 * reply in its context; resolving ends the run with the reply as its answer.
 */
let server: FakeModelServer;
let harness: TestRuntime | undefined;
const seen: FakeModelRequest[] = [];
beforeAll(async () => {
  server = await startFakeModelServer({ responder: respond });
});
afterAll(async () => server.close());
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  seen.length = 0;
});

function respond(request: FakeModelRequest): FakeTurn {
  seen.push(request);
  const tools = request.messages.filter((message) => message.role === 'tool');
  if (tools.length === 0) return { toolCalls: [{ name: 'lookup_order', arguments: { orderId: '7' }, id: 'call_lookup' }] };
  if (tools.length === 1) {
    return {
      toolCalls: [{ name: 'escalate_to_human', arguments: { reason: 'The order is not in the system', question: 'Where is order 7?' }, id: 'call_escalate' }],
    };
  }
  return { text: 'Thanks for your patience: the courier has it.' };
}

async function escalated() {
  const lookup = defineTool({
    name: 'lookup_order',
    description: 'Look an order up',
    input: z.object({ orderId: z.string() }),
    effect: 'read',
    execute: () => ({ found: false }),
  });
  const agent = defineAgent({ name: 'support', model: 'openai:gpt-4o-mini', instructions: 'Help.', tools: [lookup], escalation: {} });
  harness = await createTestRuntime({ agents: [agent], providers: { openai: { baseURL: server.openaiBaseURL, apiKey: 'test' } } });
  const run = await harness.runtime.run({ agent: 'support', input: 'Where is my order 7? It is late.', userId: 'ana', sessionId: 'thread-7' });
  const [escalation] = (await harness.store.listEscalations('default', { status: 'open' })).escalations;
  return { run, escalation: escalation!, runtime: harness.runtime, store: harness.store };
}

const human = { kind: 'key' as const, keyId: 'key_agent', name: 'Hana' };

describe('escalation', () => {
  it('offers the model escalate_to_human and parks the run with a handoff package', async () => {
    const { run, escalation } = await escalated();
    expect(seen[0]?.tools.map((tool) => tool.name)).toContain('escalate_to_human');
    expect([run.status, run.waitingReason]).toEqual(['waiting', 'human']);
    expect(escalation).toMatchObject({ trigger: 'agent-request', reason: 'The order is not in the system', status: 'open', runId: run.id });
    expect(escalation.handoff).toMatchObject({
      request: 'Where is my order 7? It is late.',
      pendingQuestion: 'Where is order 7?',
      tried: [expect.objectContaining({ tool: 'lookup_order', outcome: 'succeeded', result: '{"found":false}' })],
    });
  });

  it('delivers a reply on the run event stream, and a hand-back resumes the agent with the reply in context', async () => {
    const { run, escalation, runtime } = await escalated();
    await runtime.replyToEscalation(escalation.id, { message: 'I checked with the courier: it arrives tomorrow.', handBack: true }, { actor: human });
    const events = [];
    for await (const entry of runtime.events(run.id, { follow: false })) events.push(entry);
    expect(events.find((entry) => entry.type === 'escalation-reply')).toMatchObject({
      message: 'I checked with the courier: it arrives tomorrow.',
      handBack: true,
      actor: human,
    });

    const done = await runtime.executeRun(run.id);
    expect([done.status, done.output]).toEqual(['completed', 'Thanks for your patience: the courier has it.']);
    const resumed = seen.at(-1)!;
    expect(resumed.messages.some((message) => message.role === 'assistant' && message.content.includes('it arrives tomorrow'))).toBe(true);
    expect(resumed.messages.at(-1)?.content).toContain('handed the conversation back');
    // The session's history keeps the human's reply as the assistant's turn.
    const history = await harness!.store.listSessionMessages('default', 'thread-7');
    expect(history.some((message) => message.role === 'assistant' && message.content.includes('it arrives tomorrow'))).toBe(true);
    await expect(runtime.replyToEscalation(escalation.id, { message: 'again' }, { actor: human })).rejects.toMatchObject({ code: 'ESCALATION_CLOSED' });
  });

  it('resolving ends the run with the last reply as its answer', async () => {
    const { run, escalation, runtime, store } = await escalated();
    await runtime.replyToEscalation(escalation.id, { message: 'Refund issued: 12 EUR.' }, { actor: human });
    expect(await runtime.getRun(run.id)).toMatchObject({ status: 'waiting', waitingReason: 'human' });
    const resolved = await runtime.resolveEscalation(escalation.id, { endSession: true }, { actor: human });
    expect(resolved.status).toBe('resolved');
    expect(await runtime.getRun(run.id)).toMatchObject({ status: 'completed', output: 'Refund issued: 12 EUR.' });
    expect((await store.readJournal(run.id)).map((entry) => entry.type).slice(-2)).toEqual(['escalation-resolve', 'run-end']);
  });

  it("answers ESCALATION_NOT_FOUND for another tenant's escalation", async () => {
    const { escalation, runtime } = await escalated();
    await expect(runtime.replyToEscalation(escalation.id, { message: 'hi' }, { tenantId: 'globex', actor: human })).rejects.toMatchObject({
      code: 'ESCALATION_NOT_FOUND',
    });
  });
});
