import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';

let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
  delete process.env.KEEL_ALERT_WEBHOOK_URL;
});

it('posts a budget-threshold alert to the webhook once a run takes a budget past 80%, and only once', async () => {
  const received: unknown[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(JSON.parse(body));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.KEEL_ALERT_WEBHOOK_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  try {
    // gpt-4o-mini: 20 input + 50 output tokens cost 33,000 nanodollars a call.
    const usage = { inputTokens: 20, outputTokens: 50 };
    const model = scriptedModel(
      [
        { text: 'one', usage },
        { text: 'two', usage },
      ],
      { provider: 'openai', modelId: 'gpt-4o-mini' },
    );
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', modelSettings: { maxOutputTokens: 50 } })] });
    await harness.store.putBudget({ tenantId: 'default', scope: 'user', scopeId: 'u1', limitNanoUsd: 80_000, period: 'month', now: new Date() });
    expect((await harness.runtime.run({ agent: 'a', input: 'x', userId: 'u1' })).status).toBe('completed');
    expect(received).toEqual([]);
    expect((await harness.runtime.run({ agent: 'a', input: 'y', userId: 'u1' })).status).toBe('completed');
    await harness.close();
    harness = undefined;
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ kind: 'budget-threshold', tenantId: 'default' });
  } finally {
    server.close();
  }
});
