import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { startFakeModelServer, type FakeModelRequest, type FakeModelServer, type FakeTurn } from '../../src/testing/index.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';

/**
 * Approval gates through the fake model server: a step's ungated call runs at once while the
 * gated one waits; approve runs it once as proposed, edit with new arguments, reject gives the
 * model the reason; an invalid edit is refused and changes nothing.
 */
let server: FakeModelServer;
let harness: TestRuntime | undefined;
const executed: Array<{ tool: string; input: unknown }> = [];

beforeAll(async () => {
  server = await startFakeModelServer({ responder });
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  executed.length = 0;
});

/** Looks the order up and refunds $80 in one step; answers with what the tools said. */
function responder(request: FakeModelRequest): FakeTurn {
  const results = request.messages.filter((message) => message.role === 'tool');
  if (results.length === 0) {
    return {
      toolCalls: [
        { name: 'lookup_order', arguments: { orderId: '1001' }, id: 'call_lookup' },
        { name: 'issue_refund', arguments: { orderId: '1001', amountUsd: 80 }, id: 'call_refund' },
      ],
    };
  }
  return { text: `results: ${results.map((message) => message.content).join(' | ')}` };
}

function supportAgent() {
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
  return defineAgent({ name: 'support', model: 'openai:gpt-4o-mini', instructions: 'Help.', tools: [lookup, refund] });
}

async function parkedRun() {
  harness = await createTestRuntime({ agents: [supportAgent()], providers: { openai: { baseURL: server.openaiBaseURL, apiKey: 'test' } } });
  const run = await harness.runtime.run({ agent: 'support', input: 'Refund order 1001', userId: 'ana', tenantId: 'acme' });
  const { approvals } = await harness.store.listApprovals('acme', { status: 'pending' });
  return { run, approval: approvals[0]!, runtime: harness.runtime, store: harness.store };
}

const reviewer = { kind: 'key' as const, keyId: 'key_reviewer', name: 'Rita' };

describe('approval gates', () => {
  it('runs the ungated call at once and parks the run on the gated one, holding nothing in memory', async () => {
    const { run, approval, store } = await parkedRun();
    expect([run.status, run.waitingReason]).toEqual(['waiting', 'approval']);
    expect(executed).toEqual([{ tool: 'lookup_order', input: { orderId: '1001' } }]);
    expect(approval).toMatchObject({
      toolName: 'issue_refund',
      input: { orderId: '1001', amountUsd: 80 },
      status: 'pending',
      source: 'tool',
      runId: run.id,
      userId: 'ana',
    });
    const journal = await store.readJournal(run.id);
    expect(journal.map((entry) => entry.type)).toContain('approval-request');
    expect(journal.at(-1)).toMatchObject({ type: 'run-waiting', reason: 'approval' });
  });

  it('approve: runs the call once, as proposed, and the run completes', async () => {
    const { run, approval, runtime } = await parkedRun();
    const decided = await runtime.decideApproval(approval.id, { decision: 'approve' }, { tenantId: 'acme', actor: reviewer });
    expect(decided).toMatchObject({ status: 'approved', decidedBy: reviewer });
    const done = await runtime.executeRun(run.id, { tenantId: 'acme' });
    expect(done.status).toBe('completed');
    expect(executed.filter((call) => call.tool === 'issue_refund')).toEqual([{ tool: 'issue_refund', input: { orderId: '1001', amountUsd: 80 } }]);
    expect(executed.filter((call) => call.tool === 'lookup_order')).toHaveLength(1);
    expect(done.output).toContain('rf_1001_80');
    const decisions = (await runtime.store.readJournal(run.id)).filter((entry) => entry.type === 'approval-decision');
    expect(decisions).toEqual([expect.objectContaining({ decision: 'approve', actor: reviewer, approvalId: approval.id })]);
  });

  it('edit: runs the call with the edited arguments', async () => {
    const { run, approval, runtime } = await parkedRun();
    await runtime.decideApproval(
      approval.id,
      { decision: 'edit', args: { orderId: '1001', amountUsd: 40 }, reason: 'partial refund' },
      { tenantId: 'acme', actor: reviewer },
    );
    const done = await runtime.executeRun(run.id, { tenantId: 'acme' });
    expect(done.status).toBe('completed');
    expect(executed.filter((call) => call.tool === 'issue_refund')).toEqual([{ tool: 'issue_refund', input: { orderId: '1001', amountUsd: 40 } }]);
    expect(await runtime.store.getApproval('acme', approval.id)).toMatchObject({ status: 'edited', decidedInput: { orderId: '1001', amountUsd: 40 } });
  });

  it('reject: never runs the call, and the model gets the reason as its result', async () => {
    const { run, approval, runtime } = await parkedRun();
    await runtime.decideApproval(approval.id, { decision: 'reject', reason: 'refunds over $50 need a manager' }, { tenantId: 'acme', actor: reviewer });
    const done = await runtime.executeRun(run.id, { tenantId: 'acme' });
    expect(done.status).toBe('completed');
    expect(executed.filter((call) => call.tool === 'issue_refund')).toEqual([]);
    expect(done.output).toContain('APPROVAL_REJECTED');
    expect(done.output).toContain('refunds over $50 need a manager');
  });

  it('refuses an invalid edit with INPUT_INVALID and changes nothing', async () => {
    const { run, approval, runtime, store } = await parkedRun();
    const before = await store.readJournal(run.id);
    await expect(
      runtime.decideApproval(approval.id, { decision: 'edit', args: { orderId: '1001', amountUsd: -5 } }, { tenantId: 'acme', actor: reviewer }),
    ).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      details: { field: 'args', issues: [expect.objectContaining({ path: 'amountUsd' })] },
    });
    await expect(runtime.decideApproval(approval.id, { decision: 'edit' }, { tenantId: 'acme', actor: reviewer })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
    expect(await store.readJournal(run.id)).toEqual(before);
    expect(await store.getApproval('acme', approval.id)).toMatchObject({ status: 'pending' });
    expect(await runtime.getRun(run.id, { tenantId: 'acme' })).toMatchObject({ status: 'waiting', waitingReason: 'approval' });
  });

  it('accepts one decision: a second one gets APPROVAL_ALREADY_DECIDED', async () => {
    const { approval, runtime } = await parkedRun();
    await runtime.decideApproval(approval.id, { decision: 'approve' }, { tenantId: 'acme', actor: reviewer });
    await expect(runtime.decideApproval(approval.id, { decision: 'reject' }, { tenantId: 'acme', actor: reviewer })).rejects.toMatchObject({
      code: 'APPROVAL_ALREADY_DECIDED',
    });
  });

  it("answers APPROVAL_NOT_FOUND for another tenant's approval", async () => {
    const { approval, runtime } = await parkedRun();
    await expect(runtime.decideApproval(approval.id, { decision: 'approve' }, { tenantId: 'globex', actor: reviewer })).rejects.toMatchObject({
      code: 'APPROVAL_NOT_FOUND',
    });
  });
});
