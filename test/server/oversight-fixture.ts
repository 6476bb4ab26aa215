import { z } from 'zod';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import type { ApprovalRecord, EscalationRecord } from '../../src/store/oversight-store.ts';
import type { RunRecord } from '../../src/store/store.ts';
import { startFakeModelServer, type FakeModelRequest, type FakeModelServer, type FakeTurn } from '../../src/testing/index.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

/**
 * Real runs that wait for people, through the fake model server: the `support` agent looks an
 * order up and refunds it in one step (a refund over $50 needs approval), then answers with what
 * its tools said; it escalates when the user asks for a person. Every tool execution is counted.
 */
export interface OversightApi extends TestApi {
  upstream: FakeModelServer;
  /** Tool executions so far, in order. */
  executed: Array<{ tool: string; input: unknown }>;
  /** Starts a run for `userId` (over the API, with the app key) and waits until it parks on its refund approval. */
  parkedApproval(userId: string, options?: { amountUsd?: number }): Promise<{ run: RunRecord; approval: ApprovalRecord }>;
  /** Starts a run whose user asks for a person, and waits until it parks in `waiting: human`. */
  openEscalation(userId: string): Promise<{ run: RunRecord; escalation: EscalationRecord }>;
  /** The id of tenant acme's key of `role`. */
  keyId(role: 'admin' | 'reviewer'): Promise<string>;
  /** Waits until the run ends or parks again. */
  settled(runId: string): Promise<RunRecord>;
}

/** Looks the order up and refunds it (the amount is in the user's message) in one step; then answers with the tools' results. */
function responder(request: FakeModelRequest): FakeTurn {
  const results = request.messages.filter((message) => message.role === 'tool');
  const handedBack = request.messages.some((message) => message.role === 'user' && message.content.includes('handed the conversation back'));
  if (handedBack) return { text: 'Thanks for waiting: anything else I can do?', chunkDelayMs: 1 };
  if (results.length === 0) {
    const user = request.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
    const amountUsd = Number(/\$(\d+)/.exec(user)?.[1] ?? '80');
    return {
      toolCalls: [
        { name: 'lookup_order', arguments: { orderId: '1001' }, id: 'call_lookup' },
        { name: 'issue_refund', arguments: { orderId: '1001', amountUsd }, id: 'call_refund' },
      ],
    };
  }
  return { text: `results: ${results.map((message) => message.content).join(' | ')}` };
}

export async function createOversightApi(): Promise<OversightApi> {
  const upstream = await startFakeModelServer({ responder });
  const executed: OversightApi['executed'] = [];
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
      return { refundId: `rf_${input.orderId}_${input.amountUsd}` };
    },
  });
  const agent = defineAgent({ name: 'support', model: 'openai:gpt-4o-mini', instructions: 'Help.', tools: [lookup, refund], escalation: {} });
  const api = await createTestApi({ agents: [agent], worker: true, providers: { openai: { baseURL: upstream.openaiBaseURL, apiKey: 'test' } } });
  const settled = (runId: string) => api.runtime.waitForRun(runId, { tenantId: 'acme' });
  const start = async (userId: string, input: string) => {
    const started = await api.json<{ id: string }>('POST', '/v1/runs', { body: { agent: 'support', input, userId } });
    if (started.status !== 202) throw new Error(`POST /v1/runs answered ${started.status}`);
    return await settled(started.body.id);
  };
  return {
    ...api,
    upstream,
    executed,
    settled,
    async parkedApproval(userId, options = {}) {
      const run = await start(userId, `Refund order 1001: $${options.amountUsd ?? 80}`);
      const { approvals } = await api.store.listApprovals('acme', { runId: run.id });
      const approval = approvals[0];
      if (run.waitingReason !== 'approval' || approval === undefined) throw new Error(`expected the run to wait for approval, it is ${run.status}`);
      return { run, approval };
    },
    async openEscalation(userId) {
      const run = await start(userId, 'Can I talk to a real person please?');
      const { escalations } = await api.store.listEscalations('acme', { runId: run.id });
      const escalation = escalations[0];
      if (run.waitingReason !== 'human' || escalation === undefined) throw new Error(`expected the run to wait for a human, it is ${run.status}`);
      return { run, escalation };
    },
    async keyId(role) {
      const key = (await api.store.listApiKeys({ tenantId: 'acme' })).find((candidate) => candidate.role === role);
      if (key === undefined) throw new Error(`no ${role} key`);
      return key.id;
    },
    async close() {
      await api.close();
      await upstream.close();
    },
  };
}
