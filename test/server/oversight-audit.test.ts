import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/vault/audit-log.ts';
import { createOversightApi, type OversightApi } from './oversight-fixture.ts';

/**
 * The audit log records what people decide, not only what keys and credentials do: approvals
 * approved, rejected and edited (by which key and reviewer, on which run, user and tool), an
 * escalation's replies and its resolution, a change of the tenant's approval policy and a
 * budget's deletion. It never holds the conversation: no tool arguments, no reviewer's reason,
 * no reply text (the chain cannot be rewritten when the session is erased).
 */
let api: OversightApi;
beforeAll(async () => {
  api = await createOversightApi();
});
afterAll(async () => {
  await api.close();
});

interface Entry {
  seq: number;
  actor: { kind: string; id: string; name?: string };
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

async function auditOf(action: string): Promise<Entry[]> {
  const page = await api.json<{ data: Entry[] }>('GET', `/v1/audit?action=${action}&limit=100`, { key: api.keys.admin });
  expect(page.status).toBe(200);
  return page.body.data;
}

it('records each approval decision with its decider, run, user and tool, and never its reason or arguments', async () => {
  const approved = await api.parkedApproval('audit-ana');
  const rejected = await api.parkedApproval('audit-ben', { amountUsd: 71 });
  const reviewerKey = await api.keyId('reviewer');
  expect(
    (await api.json('POST', `/v1/approvals/${approved.approval.id}`, { key: api.keys.reviewer, body: { decision: 'approve', reviewer: 'Rita Ramos' } })).status,
  ).toBe(200);
  const reason = 'REASON-NOT-FOR-THE-AUDIT-LOG';
  expect((await api.json('POST', `/v1/approvals/${rejected.approval.id}`, { key: api.keys.admin, body: { decision: 'reject', reason } })).status).toBe(200);
  // A decision that loses (already decided) is not a decision: nothing more is recorded.
  expect((await api.json('POST', `/v1/approvals/${approved.approval.id}`, { key: api.keys.admin, body: { decision: 'reject' } })).status).toBe(409);

  const entries = await auditOf('approval.decide');
  expect(entries).toEqual([
    expect.objectContaining({
      actor: { kind: 'key', id: reviewerKey, name: 'Rita Ramos' },
      subject: `approval:${approved.approval.id}`,
      details: { decision: 'approve', runId: approved.run.id, agent: 'support', userId: 'audit-ana', tool: 'issue_refund', source: 'tool' },
    }),
    expect.objectContaining({
      actor: { kind: 'key', id: await api.keyId('admin') },
      subject: `approval:${rejected.approval.id}`,
      details: expect.objectContaining({ decision: 'reject', runId: rejected.run.id, userId: 'audit-ben' }),
    }),
  ]);
  const text = JSON.stringify(entries);
  expect(text).not.toContain(reason);
  expect(text).not.toContain('"amountUsd"');
  await api.settled(approved.run.id);
  await api.settled(rejected.run.id);
});

it('records the replies to an escalation and its resolution, without the replies’ text', async () => {
  const { escalation, run } = await api.openEscalation('audit-cleo');
  const message = 'REPLY-NOT-FOR-THE-AUDIT-LOG';
  expect((await api.json('POST', `/v1/escalations/${escalation.id}/reply`, { key: api.keys.reviewer, body: { message, reviewer: 'Sam' } })).status).toBe(200);
  expect((await api.json('POST', `/v1/escalations/${escalation.id}/resolve`, { key: api.keys.reviewer, body: { reviewer: 'Sam' } })).status).toBe(200);

  const reviewer = { kind: 'key', id: await api.keyId('reviewer'), name: 'Sam' };
  expect(await auditOf('escalation.reply')).toEqual([
    expect.objectContaining({
      actor: reviewer,
      subject: `escalation:${escalation.id}`,
      details: { runId: run.id, agent: 'support', userId: 'audit-cleo', handBack: false },
    }),
  ]);
  expect(await auditOf('escalation.resolve')).toEqual([
    expect.objectContaining({
      actor: reviewer,
      subject: `escalation:${escalation.id}`,
      details: expect.objectContaining({ runId: run.id, endSession: false }),
    }),
  ]);
  expect(JSON.stringify(await auditOf('escalation.reply'))).not.toContain(message);
});

it('records a change of the approval policy with the policy it replaced, and a budget’s deletion', async () => {
  const admin = { kind: 'key', id: await api.keyId('admin'), name: 'admin' };
  expect((await api.json('PUT', '/v1/policies/approvals', { key: api.keys.admin, body: { requireApproval: ['issue_refund'] } })).status).toBe(200);
  expect((await api.json('PUT', '/v1/policies/approvals', { key: api.keys.admin, body: { requireApproval: [] } })).status).toBe(200);
  expect(await auditOf('policy.update')).toEqual([
    expect.objectContaining({ actor: admin, subject: 'policy:approvals', details: { requireApproval: ['issue_refund'], previousRequireApproval: [] } }),
    expect.objectContaining({ actor: admin, subject: 'policy:approvals', details: { requireApproval: [], previousRequireApproval: ['issue_refund'] } }),
  ]);

  expect((await api.json('PUT', '/v1/budgets/user/audit-ana', { key: api.keys.admin, body: { limitUsd: 5, period: 'day' } })).status).toBe(200);
  expect((await api.request('DELETE', '/v1/budgets/user/audit-ana', { key: api.keys.admin })).status).toBe(204);
  expect((await api.request('DELETE', '/v1/budgets/user/audit-ana', { key: api.keys.admin })).status).toBe(404);
  expect(await auditOf('budget.delete')).toEqual([
    expect.objectContaining({ actor: admin, subject: 'budget:user/audit-ana', details: { scope: 'user', scopeId: 'audit-ana' } }),
  ]);

  expect(await verifyAuditLog(api.store)).toMatchObject({ ok: true });
});
