/**
 * Screenshots of every dashboard page, into docs/screenshots/ (the README points there):
 *
 *   npm run screenshots
 *
 * Serves the dashboard over a temporary SQLite store with a day of history written through the
 * store port (runs of two agents ending every few minutes, their model calls in the usage
 * ledger), a few runs executed for real against Keel's fake model server (two of them waiting for
 * a refund's approval, one decided, one handed to a person), a budget and an alert;
 * then signs a headless Chromium in (Debian's /usr/bin/chromium, as the browser tests) and
 * photographs each page at a laptop's 1366 px width. Pages that do not exist yet are skipped.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalEvent } from '../src/journal/events.ts';
import type { RunPatch, Store } from '../src/store/store.ts';
import { writeLongRun } from '../bench/lib/long-run.ts';
import { z } from 'zod';
import { defineAgent } from '../src/sdk/define-agent.ts';
import { defineTool } from '../src/sdk/define-tool.ts';
import { createDashboardTestApp, lookupTool, openDashboardBrowser } from '../test/dashboard/dashboard-fixture.ts';

const output = join(import.meta.dirname, '..', 'docs', 'screenshots');
mkdirSync(output, { recursive: true });

/** A run that ended `endedAt`, with `calls` model calls in the ledger; written as the engine would. */
async function pastRun(store: Store, options: { index: number; agent: string; model: string; endedAt: Date; status: 'completed' | 'failed'; calls: number }) {
  const createdAt = new Date(options.endedAt.getTime() - 4_000);
  const { run } = await store.createRun({
    id: `run_past${options.index}`,
    tenantId: 'acme',
    agent: options.agent,
    sessionId: `ses_past${options.index}`,
    userId: `user-${options.index % 17}`,
    input: 'Where is my order?',
    sessionPolicy: 'queue',
    now: createdAt,
  });
  const lease = await store.claimRun(run.id, { owner: 'history', leaseMs: 60_000, now: createdAt });
  if (lease === undefined) throw new Error('could not claim');
  let lastSeq = 1;
  const append = async (events: JournalEvent[], patch: RunPatch, now: Date) => {
    await store.append({ runId: run.id, epoch: lease.epoch, lastSeq, now }, events, patch);
    lastSeq += events.length;
  };
  const totals = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
  let totalCost = 0;
  for (let step = 1; step <= options.calls; step += 1) {
    const latencyMs = 300 + ((options.index * 37 + step * 101) % 900) + (options.index % 29 === 0 ? 2_500 : 0);
    const usage = { inputTokens: 900 + step * 150, outputTokens: 60, cachedTokens: 0 };
    const costNanoUsd = options.model === 'gpt-4o' ? 2_900_000 : 180_000;
    const at = new Date(createdAt.getTime() + step * 1_000);
    totals.inputTokens += usage.inputTokens;
    totals.outputTokens += usage.outputTokens;
    totalCost += costNanoUsd;
    await append(
      [
        { type: 'step-start', step, attempt: 1 },
        {
          type: 'model-response',
          step,
          text: 'Checking.',
          toolCalls: [],
          finishReason: 'stop',
          usage,
          provider: 'openai',
          modelId: options.model,
          latencyMs,
          costNanoUsd,
        },
      ],
      { usageEntry: { step, provider: 'openai', modelId: options.model, ...usage, costNanoUsd, latencyMs } },
      at,
    );
  }
  const error = options.status === 'failed' ? { code: 'TOOL_FAILED' as const, message: 'The order service answered 503' } : null;
  await append(
    [
      options.status === 'failed'
        ? { type: 'run-end', status: 'failed', error: error ?? undefined }
        : { type: 'run-end', status: 'completed', output: 'It has shipped.' },
    ],
    {
      status: options.status,
      endedAt: options.endedAt,
      startedAt: createdAt,
      usage: totals,
      costNanoUsd: totalCost,
      ...(error === null ? { output: 'It has shipped.' } : { error }),
    },
    options.endedAt,
  );
}

/** Refunds over $50 wait for a reviewer; the `refunds` agent also hands conversations to a person. */
const refundTool = defineTool({
  name: 'issue_refund',
  description: 'Refund an order',
  input: z.object({ orderId: z.string(), amountUsd: z.number().positive().max(500), reason: z.string() }),
  effect: 'unsafe',
  approval: (input) => input.amountUsd > 50,
  execute: (input) => ({ refundId: `rf_${input.orderId}` }),
});

const test = await createDashboardTestApp({
  agents: () => [
    defineAgent({ name: 'support', model: 'openai:fake-model', instructions: 'Help with orders.', tools: [lookupTool], limits: { maxSteps: 20 } }),
    defineAgent({ name: 'refunds', model: 'openai:fake-model', instructions: 'Refund orders.', tools: [lookupTool, refundTool], escalation: {} }),
  ],
  responder: (request) => {
    const asked = /^Refund order (\S+) for \$(\d+): (.+)$/.exec(request.messages.find((message) => message.role === 'user')?.content ?? '');
    if (asked !== null) {
      const [, orderId = '', amount = '0', reason = ''] = asked;
      return request.messages.some((message) => message.role === 'tool')
        ? { text: `Done: order ${orderId} is refunded.` }
        : { text: 'I will refund that.', toolCalls: [{ name: 'issue_refund', arguments: { orderId, amountUsd: Number(amount), reason } }] };
    }
    const last = JSON.stringify(request.messages.at(-1) ?? '');
    if (last.includes('refund')) return { fault: 'server-error', status: 503, message: 'upstream unavailable' };
    return request.messages.some((message) => message.role === 'tool')
      ? { text: 'Order A-1 shipped yesterday; it should arrive on Thursday.' }
      : { text: 'Let me look that order up.', toolCalls: [{ name: 'lookup', arguments: { order: 'A-1' } }] };
  },
});
try {
  const now = Date.now();
  for (let index = 0; index < 160; index += 1) {
    const agent = index % 3 === 0 ? 'billing' : 'support';
    await pastRun(test.store, {
      index,
      agent,
      model: agent === 'billing' ? 'gpt-4o' : 'gpt-4o-mini',
      endedAt: new Date(now - 23 * 3_600_000 + index * 8.5 * 60_000),
      status: index % 11 === 0 || (index > 100 && index < 108) ? 'failed' : 'completed',
      calls: 1 + (index % 3),
    });
  }
  await writeLongRun(test.store, { tenantId: 'acme', steps: 12, id: 'run_reconcile12' });
  const post = (path: string, body: unknown, method = 'POST') =>
    test.app.request(path, { method, headers: { authorization: `Bearer ${test.keys.admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const runIds: string[] = [];
  for (const input of ['Where is order A-1?', 'I want a refund for A-2', 'Has A-3 shipped?']) {
    const response = await post('/v1/runs', { agent: 'support', input, userId: 'user-42' });
    runIds.push(((await response.json()) as { id: string }).id);
  }
  for (const runId of runIds) await test.runtime.waitForRun(runId, { tenantId: 'acme' });
  const waiting: string[] = [];
  for (const [input, userId] of [
    ['Refund order B-7 for $120: the parcel arrived crushed', 'user-8'],
    ['Refund order C-2 for $75: charged twice', 'user-13'],
    ['Refund order D-9 for $260: never delivered', 'user-21'],
    ['My parcel never came and nobody answers: can I talk to a real person please?', 'user-5'],
  ] as const) {
    const { run } = await test.runtime.startRun({ agent: 'refunds', input, userId, tenantId: 'acme' });
    waiting.push((await test.runtime.waitForRun(run.id, { tenantId: 'acme' })).id);
  }
  const decidedApproval = (await test.store.listApprovals('acme', { runId: waiting[2] ?? '' })).approvals[0];
  if (decidedApproval !== undefined) {
    const actor = { kind: 'key' as const, keyId: 'key_reviewer', name: 'Rita Ramos' };
    await test.runtime.decideApproval(
      decidedApproval.id,
      { decision: 'reject', reason: 'Over $200 needs the carrier’s report first' },
      { tenantId: 'acme', actor },
    );
    await test.runtime.waitForRun(decidedApproval.runId, { tenantId: 'acme' });
  }
  const escalation = (await test.store.listEscalations('acme', { runId: waiting[3] ?? '' })).escalations[0];
  await post('/v1/budgets/tenant/acme', { limitUsd: 50, period: 'month' }, 'PUT');
  await post('/v1/budgets/user/user-42', { limitUsd: 2, period: 'day' }, 'PUT');
  await test.store.fireAlert({
    tenantId: 'acme',
    kind: 'success-rate',
    subject: 'support',
    payload: { message: 'Success rate of support is 82.4% over the last 15 minutes (below 95%)', agent: 'support', rate: 0.824, window: '15m' },
    now: new Date(now - 2 * 3_600_000),
    cooldownMs: 0,
  });
  await test.store.fireAlert({
    tenantId: 'acme',
    kind: 'cost-spike',
    subject: 'acme',
    payload: { message: "Today's spend ($4.12) is over twice the 7-day daily average ($1.60)", todayUsd: 4.12, averageUsd: 1.6 },
    now: new Date(now - 40 * 60_000),
    cooldownMs: 0,
  });

  const browser = await openDashboardBrowser(test, { viewport: { width: 1366, height: 860 } });
  try {
    const { page, url } = browser;
    const shoot = async (name: string, path: string, ready?: string) => {
      const response = await page.goto(`${url}${path}`, { waitUntil: 'load' });
      if (response?.status() === 404) {
        process.stderr.write(`skipped ${name}: ${path} is not there yet\n`);
        return;
      }
      if (ready !== undefined) await page.locator(ready).first().waitFor();
      await page.screenshot({ path: join(output, `${name}.png`), fullPage: true });
      process.stderr.write(`wrote docs/screenshots/${name}.png\n`);
    };
    await shoot('sign-in', '/ui/sign-in');
    await browser.signIn('admin');
    await shoot('overview', '/ui/', '#chart-cost[data-drawn="true"]');
    await shoot('runs', '/ui/runs');
    await shoot('run-timeline', `/ui/runs/${runIds[0] ?? ''}`);
    await shoot('run-timeline-long', '/ui/runs/run_reconcile12');
    await shoot('approvals', '/ui/approvals');
    await shoot('approvals-decided', '/ui/approvals?status=decided');
    await shoot('escalations', '/ui/escalations');
    if (escalation !== undefined) await shoot('escalation', `/ui/escalations/${escalation.id}`);
    await shoot('usage-and-budgets', '/ui/usage');
    await shoot('alerts', '/ui/alerts');
  } finally {
    await browser.close();
  }
} finally {
  await test.close();
}
