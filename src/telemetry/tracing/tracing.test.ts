import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../sdk/define-agent.ts';
import { defineTool } from '../../sdk/define-tool.ts';
import { runTraceId } from '../../journal/trace-context.ts';
import { createTestRuntime, scriptedModel, startFakeOtlpReceiver, type FakeOtlpReceiver, type ReceivedSpan } from '../../testing/index.ts';
import { spanIdOf } from './span-ids.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const secret = 'sk-live-do-not-leak';

function agent(model: ReturnType<typeof scriptedModel>) {
  const lookup = defineTool({
    name: 'lookup_order',
    description: 'Find an order',
    input: z.object({ orderId: z.string() }),
    effect: 'read',
    execute: ({ orderId }) => ({ orderId, status: 'shipped', note: secret }),
  });
  const refund = defineTool({
    name: 'refund',
    description: 'Refund an order',
    input: z.object({ orderId: z.string() }),
    effect: 'idempotent',
    execute: () => {
      throw new Error(`refunds are closed (${secret})`);
    },
  });
  return defineAgent({ name: 'support', model, instructions: 'Help.', tools: [lookup, refund] });
}

function script() {
  return scriptedModel(
    [
      {
        toolCalls: [
          { name: 'lookup_order', arguments: { orderId: '1001' }, id: 'call_a' },
          { name: 'refund', arguments: { orderId: '1001' }, id: 'call_b' },
        ],
        usage: { inputTokens: 40, outputTokens: 12 },
      },
      { text: `Order 1001 has shipped.`, usage: { inputTokens: 80, outputTokens: 9 } },
    ],
    { provider: 'openai', modelId: 'gpt-4o-mini' },
  );
}

async function tracedRuntime(receiver: FakeOtlpReceiver, model: ReturnType<typeof scriptedModel>, extraEnv: Record<string, string> = {}) {
  const test = await createTestRuntime({
    agents: [agent(model)],
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '20',
      OTEL_SERVICE_NAME: 'support-bot',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme',
      ...extraEnv,
    },
  });
  cleanups.push(test.close);
  return test;
}

const byName = (spans: ReceivedSpan[], name: string) => spans.filter((span) => span.name === name);

describe('traces derived from the journal, exported over OTLP', () => {
  it('sends one trace per run: invoke_agent at its root, a chat span per model call and an execute_tool span per tool call', async () => {
    const receiver = await startFakeOtlpReceiver();
    cleanups.push(receiver.close);
    const model = script();
    const { runtime } = await tracedRuntime(receiver, model);
    const run = await runtime.run({ agent: 'support', input: 'Where is order 1001?', userId: 'u1' });
    expect(run.status).toBe('completed');
    await runtime.close();

    const spans = receiver.spans;
    expect(spans.map((span) => span.name).sort()).toEqual([
      'chat gpt-4o-mini',
      'chat gpt-4o-mini',
      'execute_tool lookup_order',
      'execute_tool refund',
      'invoke_agent support',
    ]);
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([run.traceId]));
    expect(run.traceId).toBe(runTraceId(run.id));

    const [root] = byName(spans, 'invoke_agent support');
    expect(root).toMatchObject({ parentSpanId: '', kind: 'internal', spanId: spanIdOf(run.id, 'invoke_agent'), status: { code: 'unset' } });
    expect(root?.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'support',
      'gen_ai.conversation.id': run.sessionId,
      'keel.run.id': run.id,
      'keel.run.status': 'completed',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 21,
    });
    expect(root?.resource['service.name']).toBe('support-bot');
    expect(receiver.requests[0]?.headers['x-tenant']).toBe('acme');
    for (const child of spans.filter((span) => span !== root)) expect(child.parentSpanId).toBe(root?.spanId);

    const chats = byName(spans, 'chat gpt-4o-mini').sort((a, b) => Number(a.attributes['keel.step']) - Number(b.attributes['keel.step']));
    expect(chats[0]).toMatchObject({ kind: 'client', spanId: spanIdOf(run.id, 'chat', 1) });
    expect(chats[0]?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 40,
      'gen_ai.usage.output_tokens': 12,
      'gen_ai.response.finish_reasons': ['tool-calls'],
    });
    expect(chats[0]?.attributes['keel.cost_usd']).toBeGreaterThan(0);
    expect(chats[1]?.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);

    const [lookup] = byName(spans, 'execute_tool lookup_order');
    expect(lookup?.attributes).toMatchObject({
      'gen_ai.tool.name': 'lookup_order',
      'gen_ai.tool.call.id': 'call_a',
      'keel.tool.effect': 'read',
      'keel.tool.attempts': 1,
    });
    expect(lookup?.status.code).toBe('unset');
    const [refund] = byName(spans, 'execute_tool refund');
    expect(refund?.status).toEqual({ code: 'error', message: 'TOOL_FAILED' });
    expect(refund?.attributes['error.type']).toBe('TOOL_FAILED');
    // Times come from the journal: every child lies within the run, and a chat span lasts its latency.
    for (const child of spans) {
      expect(child.startTimeUnixNano).toBeGreaterThanOrEqual(root?.startTimeUnixNano ?? 0n);
      expect(child.endTimeUnixNano).toBeLessThanOrEqual(root?.endTimeUnixNano ?? 0n);
      expect(child.endTimeUnixNano).toBeGreaterThanOrEqual(child.startTimeUnixNano);
    }
    // No content without opting in: no arguments, results, messages or error texts.
    expect(JSON.stringify(spans, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))).not.toMatch(/sk-live|1001|shipped/);
  });

  it('joins the caller’s trace from traceparent, and ignores one that is invalid', async () => {
    const receiver = await startFakeOtlpReceiver();
    cleanups.push(receiver.close);
    const model = script();
    model.push({ toolCalls: [{ name: 'lookup_order', arguments: { orderId: '1' } }] }, { text: 'ok' });
    const { runtime } = await tracedRuntime(receiver, model);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const joined = await runtime.run({ agent: 'support', input: 'hi', traceparent });
    const ignored = await runtime.run({ agent: 'support', input: 'hi', traceparent: '00-not-a-trace-01' });
    await runtime.close();
    expect(joined.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const [root] = receiver.spans.filter((span) => span.name === 'invoke_agent support' && span.traceId === joined.traceId);
    expect(root?.parentSpanId).toBe('00f067aa0ba902b7');
    expect(ignored.traceId).toBe(runTraceId(ignored.id));
    expect(receiver.spans.find((span) => span.name === 'invoke_agent support' && span.traceId === ignored.traceId)?.parentSpanId).toBe('');
  });

  it('records message contents, tool arguments and results only when asked to', async () => {
    const receiver = await startFakeOtlpReceiver();
    cleanups.push(receiver.close);
    const { runtime } = await tracedRuntime(receiver, script(), { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    await runtime.run({ agent: 'support', input: 'Where is order 1001?' });
    await runtime.close();
    const [lookup] = byName(receiver.spans, 'execute_tool lookup_order');
    expect(JSON.parse(String(lookup?.attributes['gen_ai.tool.call.arguments']))).toEqual({ orderId: '1001' });
    expect(JSON.parse(String(lookup?.attributes['gen_ai.tool.call.result']))).toMatchObject({ status: 'shipped' });
    const [root] = byName(receiver.spans, 'invoke_agent support');
    expect(JSON.parse(String(root?.attributes['gen_ai.input.messages']))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Where is order 1001?' }] },
    ]);
  });

  it('sends nothing for a run whose caller did not sample its trace', async () => {
    const receiver = await startFakeOtlpReceiver();
    cleanups.push(receiver.close);
    const { runtime } = await tracedRuntime(receiver, script());
    await runtime.run({ agent: 'support', input: 'hi', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' });
    await runtime.close();
    expect(receiver.spans).toEqual([]);
  });
});

describe('a collector that is down', () => {
  it('costs the spans, never the run or a clean close', async () => {
    const receiver = await startFakeOtlpReceiver();
    const endpoint = receiver.endpoint;
    await receiver.close(); // nothing listens there any more
    const test = await createTestRuntime({
      agents: [agent(script())],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_EXPORTER_OTLP_TIMEOUT: '500' },
    });
    const run = await test.runtime.run({ agent: 'support', input: 'Where is order 1001?' });
    expect(run.status).toBe('completed');
    await expect(test.close()).resolves.toBeUndefined();
  });
});
