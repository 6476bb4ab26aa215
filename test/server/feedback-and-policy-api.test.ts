import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalPolicy, FeedbackRecord } from '../../src/store/oversight-store.ts';
import type { RunRecord } from '../../src/store/store.ts';
import { createOversightApi, type OversightApi } from './oversight-fixture.ts';

/**
 * Feedback on runs (the run's end user's, one per run, replaced by a later one; scoped to a user
 * with ?userId=) and its listing, and the tenant's approval policy — which gates a tool the
 * agent never asked approval for, on the next run.
 */
let api: OversightApi;

beforeAll(async () => {
  api = await createOversightApi();
});
afterAll(async () => {
  await api.close();
});

type Failure = { error: { code: string } };
type Page = { data: FeedbackRecord[]; nextCursor: string | null };

/** A completed run of `userId`: a refund small enough to need no approval. */
async function completedRun(userId: string): Promise<RunRecord> {
  const started = await api.json<{ id: string }>('POST', '/v1/runs', { body: { agent: 'support', input: 'Refund order 1001: $20', userId } });
  const run = await api.settled(started.body.id);
  if (run.status !== 'completed') throw new Error(`expected the run to complete, it is ${run.status}`);
  return run;
}

describe('POST /v1/runs/{id}/feedback and GET /v1/feedback', () => {
  it('records the run’s user’s rating, replaces it on a second one, and lists it with filters', async () => {
    const run = await completedRun('rate-ana');
    const first = await api.json<FeedbackRecord>('POST', `/v1/runs/${run.id}/feedback?userId=rate-ana`, {
      body: { rating: -1, correction: 'It should say the refund takes 3 days.', comment: 'too terse' },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ runId: run.id, userId: 'rate-ana', agent: 'support', rating: -1, correction: 'It should say the refund takes 3 days.' });

    const second = await api.json<FeedbackRecord>('POST', `/v1/runs/${run.id}/feedback`, { key: api.keys.admin, body: { rating: 1 } });
    expect(second.body).toMatchObject({ userId: 'rate-ana', rating: 1, correction: null, comment: null, createdAt: first.body.createdAt });

    const listed = await api.json<Page>('GET', `/v1/feedback?runId=${run.id}`, { key: api.keys.viewer });
    expect(listed.body.data).toEqual([second.body]);
    expect((await api.json<Page>('GET', `/v1/feedback?runId=${run.id}&rating=-1`, { key: api.keys.reviewer })).body.data).toEqual([]);
    expect((await api.json<Page>('GET', `/v1/feedback?runId=${run.id}&rating=1&agent=support`, { key: api.keys.reviewer })).body.data).toHaveLength(1);
    expect((await api.json<Page>('GET', '/v1/feedback?agent=billing', { key: api.keys.reviewer })).body.data).toEqual([]);
    expect((await api.json<Page>('GET', '/v1/feedback', { key: api.keys.other })).body.data).toEqual([]);
  });

  it('answers 404 for another user’s run (?userId=), another tenant’s and an unknown one; 403 for roles that do not rate', async () => {
    const run = await completedRun('scope-ana');
    for (const [path, key, status, code] of [
      [`/v1/runs/${run.id}/feedback?userId=scope-bob`, api.keys.app, 404, 'RUN_NOT_FOUND'],
      [`/v1/runs/${run.id}/feedback`, api.keys.other, 404, 'RUN_NOT_FOUND'],
      ['/v1/runs/run_unknown/feedback', api.keys.app, 404, 'RUN_NOT_FOUND'],
      [`/v1/runs/${run.id}/feedback`, api.keys.reviewer, 403, 'FORBIDDEN'],
      [`/v1/runs/${run.id}/feedback`, api.keys.viewer, 403, 'FORBIDDEN'],
    ] as const) {
      const response = await api.json<Failure>('POST', path, { key, body: { rating: 1 } });
      expect([path, response.status, response.body.error.code]).toEqual([path, status, code]);
    }
    const forbidden = await api.json<Failure>('GET', '/v1/feedback', { key: api.keys.app });
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await api.store.listFeedback('acme', { runId: run.id })).feedback).toEqual([]);
  });

  it('refuses bad input with 400 and stores nothing', async () => {
    const run = await completedRun('bad-ana');
    for (const body of [
      {},
      { rating: 0 },
      { rating: '1' },
      { rating: 2 },
      { rating: 1, correction: '' },
      { rating: 1, stars: 5 },
      { rating: 1, comment: 'x'.repeat(10_001) },
    ]) {
      const response = await api.json<Failure>('POST', `/v1/runs/${run.id}/feedback`, { body });
      expect([JSON.stringify(body).slice(0, 30), response.status, response.body.error.code]).toEqual([JSON.stringify(body).slice(0, 30), 400, 'INPUT_INVALID']);
    }
    for (const query of ['rating=0', 'rating=up', 'limit=0', 'cursor=bad']) {
      const response = await api.json<Failure>('GET', `/v1/feedback?${query}`, { key: api.keys.viewer });
      expect([query, response.status]).toEqual([query, 400]);
    }
    expect((await api.store.listFeedback('acme', { runId: run.id })).feedback).toEqual([]);
  });

  it('refuses to rate a run erased with its session', async () => {
    const run = await completedRun('erased-ana');
    expect((await api.request('DELETE', `/v1/sessions/${run.sessionId}`)).status).toBe(204);
    const response = await api.json<Failure>('POST', `/v1/runs/${run.id}/feedback`, { body: { rating: -1, correction: 'secret' } });
    expect([response.status, response.body.error.code]).toEqual([404, 'RUN_NOT_FOUND']);
    expect((await api.store.listFeedback('acme', { runId: run.id })).feedback).toEqual([]);
  });
});

describe('GET and PUT /v1/policies/approvals', () => {
  it('is empty until set; an admin sets it; a listed tool is then gated on the next run, with source policy', async () => {
    expect(await api.json('GET', '/v1/policies/approvals', { key: api.keys.viewer })).toEqual({ status: 200, body: { requireApproval: [] } });
    const set = await api.json<ApprovalPolicy>('PUT', '/v1/policies/approvals', {
      key: api.keys.admin,
      body: { requireApproval: ['lookup_order', 'lookup_order'] },
    });
    expect(set).toEqual({ status: 200, body: { requireApproval: ['lookup_order'] } });
    expect((await api.json('GET', '/v1/policies/approvals', { key: api.keys.reviewer })).body).toEqual({ requireApproval: ['lookup_order'] });
    expect((await api.json('GET', '/v1/policies/approvals', { key: api.keys.other })).body).toEqual({ requireApproval: [] });

    const started = await api.json<{ id: string }>('POST', '/v1/runs', { body: { agent: 'support', input: 'Refund order 1001: $20', userId: 'policy-ana' } });
    const run = await api.settled(started.body.id);
    expect([run.status, run.waitingReason]).toEqual(['waiting', 'approval']);
    const { approvals } = await api.store.listApprovals('acme', { runId: run.id });
    expect(approvals.map((approval) => [approval.toolName, approval.source])).toEqual([['lookup_order', 'policy']]);

    expect((await api.json('PUT', '/v1/policies/approvals', { key: api.keys.admin, body: { requireApproval: [] } })).body).toEqual({ requireApproval: [] });
  });

  it('is written by admins only, refuses bad input with 400 and keeps the policy as it was', async () => {
    await api.json('PUT', '/v1/policies/approvals', { key: api.keys.admin, body: { requireApproval: ['issue_refund'] } });
    for (const key of [api.keys.reviewer, api.keys.viewer, api.keys.app]) {
      const response = await api.json<Failure>('PUT', '/v1/policies/approvals', { key, body: { requireApproval: ['*'] } });
      expect([response.status, response.body.error.code]).toEqual([403, 'FORBIDDEN']);
    }
    const readByApp = await api.json<Failure>('GET', '/v1/policies/approvals', { key: api.keys.app });
    expect([readByApp.status, readByApp.body.error.code]).toEqual([403, 'FORBIDDEN']);
    for (const body of [
      {},
      { requireApproval: 'issue_refund' },
      { requireApproval: ['issue refund'] },
      { requireApproval: [''] },
      { requireApproval: ['*'], extra: 1 },
      { requireApproval: Array.from({ length: 501 }, (_, index) => `tool_${index}`) },
    ]) {
      const response = await api.json<Failure>('PUT', '/v1/policies/approvals', { key: api.keys.admin, body });
      expect([JSON.stringify(body).slice(0, 30), response.status, response.body.error.code]).toEqual([JSON.stringify(body).slice(0, 30), 400, 'INPUT_INVALID']);
    }
    expect(await api.store.getApprovalPolicy('acme')).toEqual({ requireApproval: ['issue_refund'] });
    await api.json('PUT', '/v1/policies/approvals', { key: api.keys.admin, body: { requireApproval: [] } });
  });
});
