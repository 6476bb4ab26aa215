import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { sweepApprovals } from '../../src/oversight/approval-sweeper.ts';
import { createOversightNotifier } from '../../src/oversight/oversight-notices.ts';
import { createRuntime } from '../../src/keel.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineConfig } from '../../src/sdk/define-config.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { createFakeClock } from '../../src/testing/fake-clock.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Approval timers are durable: they live in the store, not in a process. After the process that
 * parked the run is gone, sweeps from other runtimes on the same store (with a fake clock) move
 * the approval up its chain — the level's webhook gets exactly one delivery — and time it out
 * with a default-deny, once, however many sweep.
 */
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function webhookReceiver(): Promise<{ url: string; deliveries: unknown[] }> {
  const deliveries: unknown[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      deliveries.push(JSON.parse(body));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, deliveries };
}

it('moves a waiting approval up its chain once and times it out with one default-deny, from any runtime after a restart', async () => {
  const receiver = await webhookReceiver();
  const directory = mkdtempSync(join(tmpdir(), 'keel-timers-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const clock = createFakeClock(new Date('2026-03-01T12:00:00.000Z'));
  let refunds = 0;
  const refund = defineTool({
    name: 'issue_refund',
    description: 'Refund',
    input: z.object({ orderId: z.string() }),
    effect: 'unsafe',
    approval: 'always',
    execute: () => {
      refunds += 1;
      return { refunded: true };
    },
  });
  const agentOn = (model: ReturnType<typeof scriptedModel>) =>
    defineAgent({
      name: 'support',
      model,
      instructions: 'Help.',
      tools: [refund],
      approvals: { timeoutMs: 60 * 60_000, chain: [{ afterMs: 15 * 60_000, group: 'team-leads', webhookUrl: receiver.url }] },
    });
  const store = createSqliteStore({ path: join(directory, 'keel.db'), now: clock.now });
  await store.migrate();
  cleanups.push(() => store.close());
  const runtimeOn = (model: ReturnType<typeof scriptedModel>) => {
    const runtime = createRuntime({
      config: defineConfig({ agents: [agentOn(model)] }),
      store,
      logger: createSilentLogger(),
      now: clock.now,
      approvalSweepMs: 0,
      env: {},
    });
    cleanups.push(() => runtime.close());
    return runtime;
  };

  // The first process parks the run on the approval, then goes away.
  const first = runtimeOn(scriptedModel([{ toolCalls: [{ name: 'issue_refund', arguments: { orderId: '1001' } }] }]));
  const parked = await first.run({ agent: 'support', input: 'Refund 1001', userId: 'ana' });
  expect([parked.status, parked.waitingReason]).toEqual(['waiting', 'approval']);
  await first.close();

  // Two other runtimes sweep, as two nodes would after a restart.
  const answered = scriptedModel([{ text: 'I could not refund it.' }]);
  const nodes = [runtimeOn(answered), runtimeOn(scriptedModel([]))];
  const notify = createOversightNotifier({ webhookUrl: undefined, logger: createSilentLogger() });
  const sweepAll = () => Promise.all(nodes.map((runtime) => sweepApprovals({ runtime, now: clock.now(), notify, logger: createSilentLogger() })));

  clock.advance(5 * 60_000);
  expect((await sweepAll()).map((sweep) => sweep.escalated + sweep.expired)).toEqual([0, 0]);

  clock.advance(11 * 60_000);
  const levels = await sweepAll();
  expect(levels.reduce((sum, sweep) => sum + sweep.escalated, 0)).toBe(1);
  await sweepAll();
  expect(receiver.deliveries).toEqual([expect.objectContaining({ kind: 'approval-escalated', level: 1, group: 'team-leads', runId: parked.id })]);
  const [pending] = (await store.listApprovals('default', { status: 'pending' })).approvals;
  expect(pending).toMatchObject({ level: 1, group: 'team-leads', nextLevelAt: null });

  clock.advance(45 * 60_000);
  const expiries = await sweepAll();
  expect(expiries.reduce((sum, sweep) => sum + sweep.expired, 0)).toBe(1);
  expect(await store.getApproval('default', pending!.id)).toMatchObject({ status: 'rejected', decidedBy: { kind: 'system', name: 'approval-timeout' } });
  const decisions = (await store.readJournal(parked.id)).filter((entry) => entry.type === 'approval-decision');
  expect(decisions).toHaveLength(1);
  // The default-deny is on the audit record too, once, as the system's decision.
  expect(await store.readAudit({ limit: 10, action: 'approval.decide' })).toEqual([
    expect.objectContaining({ actor: { kind: 'system', id: 'keel', name: 'approval-timeout' }, subject: `approval:${pending!.id}` }),
  ]);

  // The run resumes on any node; the model learns the call was rejected; the refund never ran.
  const done = await nodes[0]!.executeRun(parked.id);
  expect(done.status).toBe('completed');
  expect(refunds).toBe(0);
  expect(JSON.stringify(answered.requests.at(-1)?.messages)).toContain('APPROVAL_REJECTED');
  expect(receiver.deliveries).toHaveLength(1);
});

it("times a call out by its tool's approvalTimeoutMs before the agent's", async () => {
  const directory = mkdtempSync(join(tmpdir(), 'keel-timers-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const clock = createFakeClock(new Date('2026-03-01T12:00:00.000Z'));
  const wire = defineTool({
    name: 'wire_money',
    description: 'Wire money',
    input: z.object({ amountUsd: z.number() }),
    effect: 'unsafe',
    approval: 'always',
    approvalTimeoutMs: 5 * 60_000,
    execute: () => ({ wired: true }),
  });
  const agent = defineAgent({
    name: 'treasury',
    model: scriptedModel([{ toolCalls: [{ name: 'wire_money', arguments: { amountUsd: 900 } }] }]),
    instructions: 'Help.',
    tools: [wire],
    approvals: { timeoutMs: 60 * 60_000 },
  });
  const store = createSqliteStore({ path: join(directory, 'keel.db'), now: clock.now });
  await store.migrate();
  cleanups.push(() => store.close());
  const runtime = createRuntime({
    config: defineConfig({ agents: [agent] }),
    store,
    logger: createSilentLogger(),
    now: clock.now,
    approvalSweepMs: 0,
    env: {},
  });
  cleanups.push(() => runtime.close());

  const parked = await runtime.run({ agent: 'treasury', input: 'Wire $900', userId: 'ana' });
  const [pending] = (await store.listApprovals('default', { runId: parked.id })).approvals;
  expect(Date.parse(pending!.expiresAt) - Date.parse(pending!.createdAt)).toBe(5 * 60_000);
  const notify = createOversightNotifier({ webhookUrl: undefined, logger: createSilentLogger() });
  clock.advance(4 * 60_000);
  expect((await sweepApprovals({ runtime, now: clock.now(), notify, logger: createSilentLogger() })).expired).toBe(0);
  clock.advance(2 * 60_000);
  expect((await sweepApprovals({ runtime, now: clock.now(), notify, logger: createSilentLogger() })).expired).toBe(1);
  expect(await store.getApproval('default', pending!.id)).toMatchObject({ status: 'rejected', decidedBy: { kind: 'system', name: 'approval-timeout' } });
});
