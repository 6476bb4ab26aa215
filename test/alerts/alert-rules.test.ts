import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { KeelError } from '../../src/errors/index.ts';
import type { AlertSettings } from '../../src/cost/alert-settings.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createApp } from '../../src/server/app.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { createFakeClock, createTestRuntime, scriptedModel, type FakeClock, type ScriptedTurn, type TestRuntime } from '../../src/testing/index.ts';

/*
 * Each alert rule meets a scripted incident on a fake clock: it fires once (to the webhook, and
 * into the store for GET /v1/alerts), stays quiet within its cooldown, and a healthy workload
 * fires nothing.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Delivered {
  kind: string;
  tenantId: string;
  subject?: string;
  message: string;
}

async function startWebhook(): Promise<{ url: string; received: Delivered[] }> {
  const received: Delivered[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Delivered);
      response.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received };
}

const minute = 60_000;
const priced = { provider: 'openai', modelId: 'gpt-4o-mini' };
const failure = (): ScriptedTurn => ({ error: new KeelError({ code: 'MODEL_UNAVAILABLE', message: 'provider down' }) });

function rules(webhookUrl: string): AlertSettings {
  return {
    webhookUrl,
    rules: {
      successRate: { minRuns: 5 },
      userFailures: { failures: 3 },
      latency: { p95AboveMs: 250, minCalls: 3 },
      approvalWaiting: { olderThanMs: 30 * minute },
    },
  };
}

async function runtimeWith(options: {
  clock: FakeClock;
  webhookUrl: string;
  turns: Record<string, ScriptedTurn[]>;
  breaker?: boolean;
  store?: TestRuntime['store'];
}): Promise<TestRuntime> {
  const agents = Object.entries(options.turns).map(([name, turns]) =>
    defineAgent({ name, model: scriptedModel(turns, name === 'flaky' ? { provider: 'scripted', modelId: 'flaky-model' } : priced), instructions: 'Work.' }),
  );
  const test = await createTestRuntime({
    agents,
    alerts: rules(options.webhookUrl),
    now: options.clock.now,
    ...(options.store === undefined ? {} : { store: options.store }),
    gateway: { retry: { maxAttempts: 1 }, breaker: { minimumCalls: 2, failureRate: 0.5 } },
  });
  cleanups.push(() => (options.store === undefined ? test.close() : test.runtime.close()));
  return test;
}

async function until(check: () => boolean): Promise<void> {
  for (let tries = 0; tries < 500 && !check(); tries += 1) await sleep(10);
}

describe('alert rules', () => {
  it('fire once per incident, to the webhook and into GET /v1/alerts, and not again within their cooldown', async () => {
    const webhook = await startWebhook();
    const clock = createFakeClock(new Date('2030-01-08T12:00:00.000Z'));
    const test = await runtimeWith({
      clock,
      webhookUrl: webhook.url,
      turns: {
        // 3 of 6 runs fail, all three for the same user.
        support: [{ text: 'ok' }, { text: 'ok' }, { text: 'ok' }, failure(), failure(), failure()],
        slow: [
          { text: 'ok', delayMs: 300 },
          { text: 'ok', delayMs: 300 },
          { text: 'ok', delayMs: 300 },
        ],
        flaky: [failure(), failure()],
        // Yesterday's spend is the baseline; today's is far above twice the daily average.
        priced: [
          { text: 'ok', usage: { inputTokens: 1_000, outputTokens: 100 } },
          { text: 'ok', usage: { inputTokens: 1_000, outputTokens: 100 } },
          { text: 'ok', usage: { inputTokens: 1_000, outputTokens: 100 } },
        ],
      },
    });
    const { runtime, store } = test;

    clock.set(new Date('2030-01-07T12:00:00.000Z'));
    await runtime.run({ agent: 'priced', input: 'yesterday', userId: 'u-cost' });
    clock.set(new Date('2030-01-08T11:29:00.000Z'));
    // A run parked for an approval, 31 minutes before the incidents below (approvals park runs this way).
    const { run: waiting } = await store.createRun({
      id: 'run_approval',
      tenantId: 'default',
      agent: 'support',
      sessionId: 'ses_a',
      userId: 'u-ok',
      input: 'refund',
      sessionPolicy: 'queue',
      now: clock.now(),
    });
    const lease = await store.claimRun(waiting.id, { owner: 'test', leaseMs: 1_000, now: clock.now() });
    await store.append({ runId: waiting.id, epoch: lease?.epoch ?? 0, lastSeq: 1, now: clock.now() }, [{ type: 'run-waiting', reason: 'approval' }], {
      status: 'waiting',
      waitingReason: 'approval',
    });
    clock.advance(31 * minute);
    for (const userId of ['u1', 'u2', 'u3', 'u-bad', 'u-bad', 'u-bad']) await runtime.run({ agent: 'support', input: 'help', userId });
    for (let index = 0; index < 3; index += 1) await runtime.run({ agent: 'slow', input: 'slowly', userId: 'u-slow' });
    // Two failed calls of two open the breaker of scripted:flaky-model.
    for (let index = 0; index < 2; index += 1) await runtime.run({ agent: 'flaky', input: 'try', userId: 'u-flaky' });
    await runtime.run({ agent: 'priced', input: 'today', userId: 'u-cost' });

    const fired = await runtime.alerts?.evaluateOnce();
    expect(fired?.map((alert) => `${alert.kind} ${alert.subject}`).sort()).toEqual([
      'approval-waiting approvals',
      'latency-p95 slow',
      'success-rate support',
      'user-failures u-bad',
    ]);
    await until(() => webhook.received.length >= 6);
    expect(webhook.received.map((alert) => alert.kind).sort()).toEqual([
      'approval-waiting',
      'breaker-open',
      'cost-spike',
      'latency-p95',
      'success-rate',
      'user-failures',
    ]);
    expect(webhook.received.find((alert) => alert.kind === 'breaker-open')).toMatchObject({ tenantId: '*', subject: 'scripted:flaky-model' });
    expect(webhook.received.find((alert) => alert.kind === 'success-rate')?.message).toMatch(/50\.0% of runs succeeded/);

    // Within the cooldown: the same incidents raise nothing more, and neither do more of them.
    clock.advance(5 * minute);
    await runtime.run({ agent: 'priced', input: 'more today', userId: 'u-cost' });
    expect(await runtime.alerts?.evaluateOnce()).toEqual([]);
    expect(
      await runtime.alerts?.breakerChanged({ provider: 'scripted', modelId: 'flaky-model', from: 'half-open', to: 'open', at: clock.now() }),
    ).toBeUndefined();
    await sleep(50);
    expect(webhook.received).toHaveLength(6);

    // The dashboard's list: this tenant's alerts and the deployment-wide ones, newest first.
    const app = createApp({ runtime, logger: createSilentLogger() });
    const viewer = (await createApiKey(store, { tenantId: 'default', role: 'viewer', name: 'v' })).key;
    const listed = await app.request('/v1/alerts?limit=10', { headers: { authorization: `Bearer ${viewer}` } });
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as { data: Array<{ kind: string; tenantId: string }> };
    expect(page.data.map((alert) => alert.kind).sort()).toEqual([
      'approval-waiting',
      'breaker-open',
      'cost-spike',
      'latency-p95',
      'success-rate',
      'user-failures',
    ]);
    const appKey = (await createApiKey(store, { tenantId: 'default', role: 'app', name: 'a' })).key;
    expect((await app.request('/v1/alerts', { headers: { authorization: `Bearer ${appKey}` } })).status).toBe(403);

    // Past the cooldown, an incident still going on (the approval still waits) fires again; the
    // others have left their windows.
    clock.advance(61 * minute);
    expect((await runtime.alerts?.evaluateOnce())?.map((alert) => alert.kind)).toEqual(['approval-waiting']);
  }, 30_000);

  it('are evaluated by the one process holding the alerts lease', async () => {
    const webhook = await startWebhook();
    const clock = createFakeClock(new Date('2030-01-08T12:00:00.000Z'));
    const first = await runtimeWith({ clock, webhookUrl: webhook.url, turns: { support: [failure(), failure(), failure()] } });
    const second = await runtimeWith({ clock, webhookUrl: webhook.url, turns: { support: [] }, store: first.store });
    expect(await first.runtime.alerts?.evaluateOnce()).toEqual([]);
    for (let index = 0; index < 3; index += 1) await first.runtime.run({ agent: 'support', input: 'help', userId: 'u-bad' });
    // The incident is there, but the lease is the first runtime's.
    expect(await second.runtime.alerts?.evaluateOnce()).toEqual([]);
    expect((await first.runtime.alerts?.evaluateOnce())?.map((alert) => alert.kind)).toEqual(['user-failures']);
    // Once the first gives the lease up, the second takes over (and the cooldown holds across them).
    await first.runtime.alerts?.stop();
    expect(await second.runtime.alerts?.evaluateOnce()).toEqual([]);
    expect(await first.store.acquireNamedLease({ name: 'keel.alert-rules', owner: 'someone-else', ttlMs: 1_000, now: clock.now() })).toBe(false);
  });

  it('fire nothing for a healthy workload', async () => {
    const webhook = await startWebhook();
    const clock = createFakeClock(new Date('2030-01-08T12:00:00.000Z'));
    const turns = Array.from({ length: 20 }, () => ({ text: 'ok', usage: { inputTokens: 50, outputTokens: 5 } }));
    const { runtime } = await runtimeWith({ clock, webhookUrl: webhook.url, turns: { support: turns } });
    for (let index = 0; index < 20; index += 1) {
      await runtime.run({ agent: 'support', input: 'help', userId: `u${index % 4}` });
      clock.advance(30_000);
    }
    expect(await runtime.alerts?.evaluateOnce()).toEqual([]);
    clock.advance(2 * minute);
    expect(await runtime.alerts?.evaluateOnce()).toEqual([]);
    await sleep(50);
    expect(webhook.received).toEqual([]);
  });
});
