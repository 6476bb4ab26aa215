import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelMessage, ModelRequest, ModelStreamPart, ToolContext } from 'keel';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { createDemoModel } from '../../examples/support/demo-model.ts';
import { support } from '../../examples/support/keel.config.ts';

const originalCwd = process.cwd();
let directory: string;
beforeEach(async () => {
  // The example's refund ledger lives under ./.keel of the working directory.
  directory = await mkdtemp(join(tmpdir(), 'keel-support-example-'));
  process.chdir(directory);
});
afterEach(async () => {
  process.chdir(originalCwd);
  await rm(directory, { recursive: true, force: true });
});

const tool = (name: string) => {
  const found = support.tools.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no tool ${name}`);
  return found;
};
const context = (idempotencyKey: string): ToolContext => ({
  signal: new AbortController().signal,
  idempotencyKey,
  runId: 'run_1',
  sessionId: 'ses_1',
  userId: 'ana',
  callId: 'call_1',
  attempt: 1,
  credential: () => Promise.reject(new Error('the support example declares no credentials')),
  log: createSilentLogger(),
});

describe('issue_refund', () => {
  it('is unsafe, records a refund once per idempotency key, and reconciles by that key', async () => {
    const refund = tool('issue_refund');
    expect(refund.effect).toBe('unsafe');
    const input = { orderId: '1001', amountUsd: 20, reason: 'late' };
    const first = (await refund.execute(input, context('key-a'))) as { refundId: string };
    expect(first).toEqual({ refundId: expect.stringMatching(/^rf_[0-9a-f]{12}$/) as unknown, orderId: '1001', amountUsd: 20 });
    // The same key again (a retry of the same call) returns the same refund and writes nothing.
    expect(await refund.execute(input, context('key-a'))).toEqual(first);
    const lines = (await readFile(join(directory, '.keel', 'example-refunds.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);

    expect(await refund.reconcile?.(input, context('key-a'))).toEqual({ status: 'completed', output: first });
    expect(await refund.reconcile?.(input, context('key-b'))).toEqual({ status: 'not-applied' });
  });

  it('refuses a second refund of an order, unknown orders and amounts above the total', async () => {
    const refund = tool('issue_refund');
    await refund.execute({ orderId: '1003', amountUsd: 24, reason: 'broken' }, context('key-1'));
    await expect(refund.execute({ orderId: '1003', amountUsd: 5, reason: 'again' }, context('key-2'))).rejects.toThrow('already refunded');
    await expect(refund.execute({ orderId: '9999', amountUsd: 5, reason: 'x' }, context('key-3'))).rejects.toThrow('There is no order 9999');
    await expect(refund.execute({ orderId: '1002', amountUsd: 500, reason: 'x' }, context('key-4'))).rejects.toThrow("more than the order's total");
  });
});

describe('the demo model', () => {
  const model = createDemoModel({ delayMs: 0 });
  const tools = support.tools.map((definition) => ({ name: definition.name, description: definition.description, inputSchema: definition.inputJsonSchema }));
  const request = (messages: ModelMessage[]): ModelRequest => ({ messages: [{ role: 'system', content: support.instructions }, ...messages], tools });

  it('says what it is', () => {
    expect([model.provider, model.modelId]).toEqual(['keel-demo', 'scripted-support']);
  });

  it('looks the order up, checks shipping, refunds when asked, then summarises the results', async () => {
    const messages: ModelMessage[] = [{ role: 'user', content: 'Please refund order 1002' }];
    const outputs: Record<string, unknown> = {
      lookup_order: { found: true, orderId: '1002', items: ['Rain jacket'], totalUsd: 134.5, status: 'processing' },
      get_shipping_status: { orderId: '1002', shipped: false },
      issue_refund: { refundId: 'rf_000000000001', orderId: '1002', amountUsd: 134.5 },
    };
    const called: Array<[string, unknown]> = [];
    for (;;) {
      const response = await model.generate(request(messages));
      const call = response.toolCalls[0];
      if (call === undefined) {
        expect(response.finishReason).toBe('stop');
        expect(response.text).toBe(
          'Order 1002 (Rain jacket, $134.50) is processing. It has not been handed to a carrier yet. I have refunded $134.50 (refund rf_000000000001).',
        );
        break;
      }
      called.push([call.toolName, JSON.parse(call.arguments)]);
      messages.push(
        { role: 'assistant', content: '', toolCalls: [call] },
        { role: 'tool', callId: call.callId, toolName: call.toolName, content: outputs[call.toolName] },
      );
    }
    expect(called).toEqual([
      ['lookup_order', { orderId: '1002' }],
      ['get_shipping_status', { orderId: '1002' }],
      ['issue_refund', { orderId: '1002', amountUsd: 134.5, reason: 'Customer asked for a refund' }],
    ]);
  });

  it('asks for an order number when there is none, and streams its answer in small deltas', async () => {
    const parts: ModelStreamPart[] = [];
    for await (const part of model.stream?.(request([{ role: 'user', content: 'Hi, can you help?' }])) ?? []) parts.push(part);
    const last = parts.at(-1);
    expect(last?.type).toBe('response');
    const text = last?.type === 'response' ? last.response.text : '';
    expect(text).toBe('I can help with orders, deliveries and refunds. What is your order number?');
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.map((part) => part.text).join('')).toBe(text);
  });
});
