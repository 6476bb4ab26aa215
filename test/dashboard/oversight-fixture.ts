import { z } from 'zod';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import type { ApprovalRecord, EscalationRecord } from '../../src/store/oversight-store.ts';
import type { RunRecord } from '../../src/store/store.ts';
import type { FakeModelRequest, FakeTurn } from '../../src/testing/index.ts';
import { createDashboardTestApp, type DashboardTestApp } from './dashboard-fixture.ts';

/**
 * The dashboard over real runs that wait for people, through the fake model server: the
 * `support` agent looks an order up and refunds it in one step — the order and the amount come
 * from the user's message (`Refund order 1001: $80`), so a test can make the arguments hostile —
 * and a refund over $50 needs approval; then it answers with what its tools said. It escalates
 * when the user asks for a person. Every tool execution is counted.
 */
export interface OversightDashboard extends DashboardTestApp {
  /** Tool executions so far, in order. */
  executed: Array<{ tool: string; input: unknown }>;
  /** Starts a run for `userId` and waits until it parks on its refund approval. */
  parkedApproval(userId: string, options?: { orderId?: string; amountUsd?: number }): Promise<{ run: RunRecord; approval: ApprovalRecord }>;
  /** Starts a run refunding two orders in one step (both calls wait for approval), and waits until it parks. */
  parkedPair(userId: string): Promise<{ run: RunRecord; approvals: ApprovalRecord[] }>;
  /** Starts a run whose user asks for a person (after `prefix`), and waits until it parks in `waiting: human`. */
  openEscalation(userId: string, options?: { prefix?: string }): Promise<{ run: RunRecord; escalation: EscalationRecord }>;
  /** Starts a run in which the model looks `orderId` up and then escalates itself; waits until it parks in `waiting: human`. */
  escalatedAfterLookup(userId: string, orderId: string): Promise<{ run: RunRecord; escalation: EscalationRecord }>;
  /** Waits until the run ends or parks again. */
  settled(runId: string): Promise<RunRecord>;
  /** The id of tenant acme's key of `role`. */
  keyId(role: 'admin' | 'reviewer'): Promise<string>;
}

function responder(request: FakeModelRequest): FakeTurn {
  const results = request.messages.filter((message) => message.role === 'tool');
  const handedBack = request.messages.some((message) => message.role === 'user' && message.content.includes('handed the conversation back'));
  if (handedBack) return { text: 'Thanks for waiting: anything else I can do?' };
  const asked = request.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
  // "Where is order X?": the model looks it up, then hands over with a question (tool results in the handoff).
  const whereIs = /^Where is order (.+)\?$/s.exec(asked);
  if (whereIs !== null) {
    return results.length === 0
      ? { toolCalls: [{ name: 'lookup_order', arguments: { orderId: whereIs[1] ?? '' }, id: 'call_lookup' }] }
      : { toolCalls: [{ name: 'escalate_to_human', arguments: { reason: 'The carrier lost the parcel', question: 'Send a new one?' }, id: 'call_escalate' }] };
  }
  if (results.length === 0) {
    const user = asked;
    const two = /^Refund orders (\S+) and (\S+): \$(\d+)$/.exec(user);
    if (two !== null) {
      const [, first = '', second = '', amount = '80'] = two;
      return {
        toolCalls: [
          { name: 'issue_refund', arguments: { orderId: first, amountUsd: Number(amount) }, id: 'call_refund_1' },
          { name: 'issue_refund', arguments: { orderId: second, amountUsd: Number(amount) }, id: 'call_refund_2' },
        ],
      };
    }
    const [, orderId = '1001', amount = '80'] = /order (.+?): \$(\d+)/s.exec(user) ?? [];
    return {
      toolCalls: [
        { name: 'lookup_order', arguments: { orderId }, id: 'call_lookup' },
        { name: 'issue_refund', arguments: { orderId, amountUsd: Number(amount) }, id: 'call_refund' },
      ],
    };
  }
  return { text: `results: ${results.map((message) => message.content).join(' | ')}` };
}

export async function createOversightDashboard(): Promise<OversightDashboard> {
  const executed: OversightDashboard['executed'] = [];
  const lookup = defineTool({
    name: 'lookup_order',
    description: 'Look an order up',
    input: z.object({ orderId: z.string() }),
    effect: 'read',
    execute: (input) => {
      executed.push({ tool: 'lookup_order', input });
      return { orderId: input.orderId, status: 'delivered' };
    },
  });
  const refund = defineTool({
    name: 'issue_refund',
    description: 'Refund an order',
    input: z.object({ orderId: z.string(), amountUsd: z.number().positive().max(500) }),
    effect: 'unsafe',
    approval: (input) => input.amountUsd > 50,
    execute: (input) => {
      executed.push({ tool: 'issue_refund', input });
      return { refundId: `rf_${input.amountUsd}` };
    },
  });
  const test = await createDashboardTestApp({
    responder,
    agents: () => [defineAgent({ name: 'support', model: 'openai:fake-model', instructions: 'Help.', tools: [lookup, refund], escalation: {} })],
  });
  const settled = (runId: string) => test.runtime.waitForRun(runId, { tenantId: 'acme' });
  const start = async (userId: string, input: string) => {
    const { run } = await test.runtime.startRun({ agent: 'support', input, userId, tenantId: 'acme' });
    return await settled(run.id);
  };
  return {
    ...test,
    executed,
    settled,
    async parkedApproval(userId, options = {}) {
      const run = await start(userId, `Refund order ${options.orderId ?? '1001'}: $${options.amountUsd ?? 80}`);
      const approval = (await test.store.listApprovals('acme', { runId: run.id })).approvals[0];
      if (run.waitingReason !== 'approval' || approval === undefined) throw new Error(`expected the run to wait for approval, it is ${run.status}`);
      return { run, approval };
    },
    async parkedPair(userId) {
      const run = await start(userId, 'Refund orders 1001 and 1002: $80');
      const { approvals } = await test.store.listApprovals('acme', { runId: run.id });
      if (run.waitingReason !== 'approval' || approvals.length !== 2) throw new Error(`expected the run to wait for two approvals, it is ${run.status}`);
      return { run, approvals };
    },
    async openEscalation(userId, options = {}) {
      const run = await start(userId, `${options.prefix ?? ''}Can I talk to a real person please?`);
      const escalation = (await test.store.listEscalations('acme', { runId: run.id })).escalations[0];
      if (run.waitingReason !== 'human' || escalation === undefined) throw new Error(`expected the run to wait for a human, it is ${run.status}`);
      return { run, escalation };
    },
    async escalatedAfterLookup(userId, orderId) {
      const run = await start(userId, `Where is order ${orderId}?`);
      const escalation = (await test.store.listEscalations('acme', { runId: run.id })).escalations[0];
      if (run.waitingReason !== 'human' || escalation === undefined) throw new Error(`expected the run to wait for a human, it is ${run.status}`);
      return { run, escalation };
    },
    async keyId(role) {
      const key = (await test.store.listApiKeys({ tenantId: 'acme' })).find((candidate) => candidate.role === role);
      if (key === undefined) throw new Error(`no ${role} key`);
      return key.id;
    },
  };
}
