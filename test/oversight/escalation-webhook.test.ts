import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createRuntime } from '../../src/keel.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineConfig } from '../../src/sdk/define-config.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';

/**
 * When a run is handed to a human, the people who take over hear of it: the configured webhook
 * (the agent's `escalation.webhookUrl`, else the config's `oversight.webhookUrl`) receives one
 * `escalation-open` notice naming the escalation, the run, the agent, the user and the trigger.
 */
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function webhookReceiver(): Promise<{ url: string; deliveries: Array<Record<string, unknown>> }> {
  const deliveries: Array<Record<string, unknown>> = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      deliveries.push({ path: request.url, ...(JSON.parse(body) as Record<string, unknown>) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, deliveries };
}

it("notifies the agent's webhook, else the config's, once per escalation that opens", async () => {
  const receiver = await webhookReceiver();
  const directory = mkdtempSync(join(tmpdir(), 'keel-escalation-webhook-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const store = createSqliteStore({ path: join(directory, 'keel.db') });
  await store.migrate();
  cleanups.push(() => store.close());
  // Asking for a person escalates before any model call: the models are never called.
  const agents = [
    defineAgent({ name: 'support', model: scriptedModel([]), instructions: 'Help.', escalation: { webhookUrl: `${receiver.url}/support-desk` } }),
    defineAgent({ name: 'billing', model: scriptedModel([]), instructions: 'Help.', escalation: {} }),
  ];
  const runtime = createRuntime({
    config: defineConfig({ agents, oversight: { webhookUrl: `${receiver.url}/everyone` } }),
    store,
    logger: createSilentLogger(),
    env: {},
  });

  const first = await runtime.run({ agent: 'support', input: 'Can I talk to a real person please?', userId: 'ana' });
  const second = await runtime.run({ agent: 'billing', input: 'I want to speak to a human about my invoice', userId: 'ben' });
  expect([first.waitingReason, second.waitingReason]).toEqual(['human', 'human']);
  // Closing waits for the commit observers, the webhook delivery among them.
  await runtime.close();

  const escalationOf = async (runId: string) => (await store.listEscalations('default', { runId })).escalations[0]!.id;
  expect(receiver.deliveries.sort((a, b) => String(a.path).localeCompare(String(b.path)))).toEqual([
    expect.objectContaining({
      path: '/everyone',
      kind: 'escalation-open',
      escalationId: await escalationOf(second.id),
      runId: second.id,
      agent: 'billing',
      userId: 'ben',
      trigger: 'user-request',
    }),
    expect.objectContaining({
      path: '/support-desk',
      kind: 'escalation-open',
      key: `escalation-open:${await escalationOf(first.id)}`,
      tenantId: 'default',
      runId: first.id,
      agent: 'support',
      userId: 'ana',
      trigger: 'user-request',
    }),
  ]);
});
