import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRecord } from '../../src/store/oversight-store.ts';
import { createOversightApi, type OversightApi } from './oversight-fixture.ts';

/**
 * The approval inbox over HTTP, on real runs parked by the fake model server: listing and
 * reading (tenant- and user-scoped), deciding once (approve, reject, edit) with the reviewer
 * journaled as the actor, the roles, bad input changing nothing, and the batch form.
 */
let api: OversightApi;

beforeAll(async () => {
  api = await createOversightApi();
});
afterAll(async () => {
  await api.close();
});

type Page = { data: ApprovalRecord[]; nextCursor: string | null };
const journalOf = (runId: string) => api.store.readJournal(runId);

describe('GET /v1/approvals and /v1/approvals/{id}', () => {
  it('lists the tenant’s approvals by status, agent, user and run, in pages', async () => {
    const first = await api.parkedApproval('list-ana');
    const second = await api.parkedApproval('list-ana');
    const other = await api.parkedApproval('list-bob');

    const pending = await api.json<Page>('GET', '/v1/approvals?status=pending&userId=list-ana', { key: api.keys.viewer });
    expect(pending.status).toBe(200);
    expect(pending.body.data.map((approval) => approval.id).sort()).toEqual([first.approval.id, second.approval.id].sort());
    expect(pending.body.data[0]).toMatchObject({
      tenantId: 'acme',
      agent: 'support',
      userId: 'list-ana',
      toolName: 'issue_refund',
      input: { orderId: '1001', amountUsd: 80 },
      reason: 'issue_refund needs approval for this input',
      source: 'tool',
      status: 'pending',
      decidedBy: null,
      decidedAt: null,
      level: 0,
      group: null,
    });

    const byRun = await api.json<Page>('GET', `/v1/approvals?runId=${other.run.id}`, { key: api.keys.app });
    expect(byRun.body.data).toEqual([expect.objectContaining({ id: other.approval.id, runId: other.run.id })]);
    expect((await api.json<Page>('GET', '/v1/approvals?agent=nobody', { key: api.keys.viewer })).body.data).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Page } = await api.json<Page>('GET', `/v1/approvals?userId=list-ana&limit=1${cursor === null ? '' : `&cursor=${cursor}`}`, {
        key: api.keys.reviewer,
      });
      seen.push(...page.body.data.map((approval) => approval.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen.sort()).toEqual([first.approval.id, second.approval.id].sort());

    // Another tenant sees none of them.
    expect((await api.json<Page>('GET', '/v1/approvals', { key: api.keys.other })).body.data).toEqual([]);
  });

  it('refuses bad filters with INPUT_INVALID', async () => {
    for (const query of ['status=open', 'limit=0', 'limit=abc', 'cursor=not-a-cursor', 'userId=%1B']) {
      const response = await api.json<{ error: { code: string } }>('GET', `/v1/approvals?${query}`, { key: api.keys.viewer });
      expect([query, response.status, response.body.error.code]).toEqual([query, 400, 'INPUT_INVALID']);
    }
  });

  it('reads one approval; another user (with ?userId=) or another tenant gets 404', async () => {
    const { approval, run } = await api.parkedApproval('get-ana');
    const read = await api.json<ApprovalRecord>('GET', `/v1/approvals/${approval.id}`, { key: api.keys.viewer });
    expect(read).toEqual({ status: 200, body: approval });
    expect(read.body.runId).toBe(run.id);
    expect((await api.json('GET', `/v1/approvals/${approval.id}?userId=get-ana`, { key: api.keys.app })).status).toBe(200);
    for (const [path, key] of [
      [`/v1/approvals/${approval.id}?userId=get-bob`, api.keys.app],
      [`/v1/approvals/${approval.id}`, api.keys.other],
      ['/v1/approvals/apr_unknown', api.keys.viewer],
      ['/v1/approvals/%1Bbad', api.keys.viewer],
    ] as const) {
      const response = await api.json<{ error: { code: string } }>('GET', path, { key });
      expect([path, response.status, response.body.error.code]).toEqual([path, 404, 'APPROVAL_NOT_FOUND']);
    }
  });
});

describe('POST /v1/approvals/{id}', () => {
  it('approve: journals the key and the reviewer (header) as the actor, and the call runs once as proposed', async () => {
    const { run, approval } = await api.parkedApproval('approve-ana');
    const before = api.executed.length;
    const decided = await api.json<ApprovalRecord>('POST', `/v1/approvals/${approval.id}`, {
      key: api.keys.reviewer,
      body: { decision: 'approve' },
      headers: { 'x-keel-reviewer': 'Rita Ramos' },
    });
    const actor = { kind: 'key', keyId: await api.keyId('reviewer'), name: 'Rita Ramos' };
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ id: approval.id, status: 'approved', decidedBy: actor, decisionReason: null });
    expect(decided.body.decidedAt).not.toBeNull();

    const done = await api.settled(run.id);
    expect(done.status).toBe('completed');
    expect(api.executed.slice(before)).toEqual([{ tool: 'issue_refund', input: { orderId: '1001', amountUsd: 80 } }]);
    const decisions = (await journalOf(run.id)).filter((entry) => entry.type === 'approval-decision');
    expect(decisions).toEqual([expect.objectContaining({ approvalId: approval.id, decision: 'approve', actor })]);

    const again = await api.json<{ error: { code: string } }>('POST', `/v1/approvals/${approval.id}`, { key: api.keys.admin, body: { decision: 'reject' } });
    expect([again.status, again.body.error.code]).toEqual([409, 'APPROVAL_ALREADY_DECIDED']);
  });

  it('reads a reviewer name in the header as UTF-8, as it reads every identifier in a header', async () => {
    const { run, approval } = await api.parkedApproval('utf8-ana');
    // What Node hands over for a header sent as UTF-8: one character per byte.
    const asSent = Buffer.from('Jürgen Groß', 'utf8').toString('latin1');
    const decided = await api.json<ApprovalRecord>('POST', `/v1/approvals/${approval.id}`, {
      key: api.keys.reviewer,
      body: { decision: 'approve' },
      headers: { 'x-keel-reviewer': asSent },
    });
    expect(decided.status).toBe(200);
    expect(decided.body.decidedBy).toMatchObject({ name: 'Jürgen Groß' });
    expect((await journalOf(run.id)).find((entry) => entry.type === 'approval-decision')).toMatchObject({ actor: { name: 'Jürgen Groß' } });
    await api.settled(run.id);
  });

  it('reject: the body’s reviewer wins over the header, and the model gets the reason', async () => {
    const { run, approval } = await api.parkedApproval('reject-ana');
    const decided = await api.json<ApprovalRecord>('POST', `/v1/approvals/${approval.id}`, {
      key: api.keys.admin,
      body: { decision: 'reject', reason: 'refunds over $50 need a manager', reviewer: 'Maria' },
      headers: { 'x-keel-reviewer': 'Someone Else' },
    });
    expect(decided.body).toMatchObject({ status: 'rejected', decisionReason: 'refunds over $50 need a manager', decidedBy: { name: 'Maria' } });
    const done = await api.settled(run.id);
    expect(done.status).toBe('completed');
    expect(done.output).toContain('refunds over $50 need a manager');
    expect((await journalOf(run.id)).some((entry) => entry.type === 'tool-start' && entry.callId === 'call_refund')).toBe(false);
  });

  it('edit: runs the call with the edited arguments; an edit that fails the tool’s schema is 400 and changes nothing', async () => {
    const { run, approval } = await api.parkedApproval('edit-ana', { amountUsd: 90 });
    const before = await journalOf(run.id);
    const invalid = await api.json<{ error: { code: string; details: { field: string } } }>('POST', `/v1/approvals/${approval.id}`, {
      key: api.keys.reviewer,
      body: { decision: 'edit', args: { orderId: '1001', amountUsd: -5 } },
    });
    expect([invalid.status, invalid.body.error.code, invalid.body.error.details.field]).toEqual([400, 'INPUT_INVALID', 'args']);
    expect(await journalOf(run.id)).toEqual(before);
    expect(await api.store.getApproval('acme', approval.id)).toMatchObject({ status: 'pending' });

    const executedBefore = api.executed.length;
    const decided = await api.json<ApprovalRecord>('POST', `/v1/approvals/${approval.id}`, {
      key: api.keys.reviewer,
      body: { decision: 'edit', args: { orderId: '1001', amountUsd: 40 }, reason: 'partial refund' },
    });
    expect(decided.body).toMatchObject({ status: 'edited', decidedInput: { orderId: '1001', amountUsd: 40 }, decisionReason: 'partial refund' });
    expect((await api.settled(run.id)).status).toBe('completed');
    expect(api.executed.slice(executedBefore)).toEqual([{ tool: 'issue_refund', input: { orderId: '1001', amountUsd: 40 } }]);
  });

  it('accepts one of two concurrent decisions; the other gets 409 APPROVAL_ALREADY_DECIDED', async () => {
    const { run, approval } = await api.parkedApproval('race-ana');
    const [first, second] = await Promise.all(
      (['approve', 'reject'] as const).map((decision) =>
        api.json<{ error?: { code: string } }>('POST', `/v1/approvals/${approval.id}`, { key: api.keys.reviewer, body: { decision, reason: 'r' } }),
      ),
    );
    const statuses = [first?.status, second?.status].sort();
    expect(statuses).toEqual([200, 409]);
    expect([first, second].find((response) => response?.status === 409)?.body.error?.code).toBe('APPROVAL_ALREADY_DECIDED');
    await api.settled(run.id);
    expect((await journalOf(run.id)).filter((entry) => entry.type === 'approval-decision')).toHaveLength(1);
  });

  it('is refused to app and viewer keys (403) and answers 404 to another tenant, deciding nothing', async () => {
    const { run, approval } = await api.parkedApproval('roles-ana');
    const before = await journalOf(run.id);
    for (const [key, status, code] of [
      [api.keys.app, 403, 'FORBIDDEN'],
      [api.keys.viewer, 403, 'FORBIDDEN'],
      [api.keys.other, 404, 'APPROVAL_NOT_FOUND'],
    ] as const) {
      const response = await api.json<{ error: { code: string } }>('POST', `/v1/approvals/${approval.id}`, { key, body: { decision: 'approve' } });
      expect([response.status, response.body.error.code]).toEqual([status, code]);
    }
    expect(await journalOf(run.id)).toEqual(before);
    expect(await api.store.getApproval('acme', approval.id)).toMatchObject({ status: 'pending' });
  });

  it('refuses bad input with 400 and changes nothing', async () => {
    const { run, approval } = await api.parkedApproval('bad-ana');
    const before = await journalOf(run.id);
    const cases: Array<{ body: unknown; headers?: Record<string, string> }> = [
      { body: { decision: 'maybe' } },
      { body: {} },
      { body: { decision: 'approve', extra: true } },
      { body: { decision: 'approve', args: { orderId: '1001', amountUsd: 10 } } },
      { body: { decision: 'edit' } },
      { body: { decision: 'approve', reviewer: 'Rita\u001b[2J' } },
      { body: { decision: 'approve', reviewer: '' } },
      { body: { decision: 'reject', reason: '' } },
      { body: { decision: 'approve' }, headers: { 'x-keel-reviewer': '   ' } },
      // Bytes that are not UTF-8 (a Latin-1 "ü" alone): refused, never stored as a guess.
      { body: { decision: 'approve' }, headers: { 'x-keel-reviewer': 'M\u00fcller' } },
      { body: 'not json' },
    ];
    for (const { body, headers } of cases) {
      const response = await api.json<{ error: { code: string } }>('POST', `/v1/approvals/${approval.id}`, {
        key: api.keys.reviewer,
        body,
        ...(headers === undefined ? {} : { headers }),
      });
      expect([JSON.stringify(body), response.status, response.body.error.code]).toEqual([JSON.stringify(body), 400, 'INPUT_INVALID']);
    }
    expect(await journalOf(run.id)).toEqual(before);
    expect(await api.store.getApproval('acme', approval.id)).toMatchObject({ status: 'pending', decidedBy: null });
  });
});

describe('POST /v1/approvals (several at once)', () => {
  type Results = { data: Array<{ id: string; outcome: string; approval?: ApprovalRecord; error?: { code: string } }> };

  it('decides each on its own: decided, already-decided, not-found and invalid, in order, none undoing the others', async () => {
    const a = await api.parkedApproval('batch-ana');
    const b = await api.parkedApproval('batch-ana');
    const c = await api.parkedApproval('batch-ana');
    const response = await api.json<Results>('POST', '/v1/approvals', {
      key: api.keys.reviewer,
      body: {
        reviewer: 'Rita',
        decisions: [
          { id: a.approval.id, decision: 'approve' },
          { id: 'apr_unknown', decision: 'approve' },
          { id: b.approval.id, decision: 'edit', args: { orderId: '1001', amountUsd: 1000 } },
          { id: a.approval.id, decision: 'reject', reason: 'changed my mind' },
          { id: c.approval.id, decision: 'reject', reason: 'no' },
        ],
      },
    });
    expect(response.status).toBe(200);
    expect(response.body.data.map((result) => [result.id, result.outcome, result.error?.code])).toEqual([
      [a.approval.id, 'decided', undefined],
      ['apr_unknown', 'not-found', 'APPROVAL_NOT_FOUND'],
      [b.approval.id, 'invalid', 'INPUT_INVALID'],
      [a.approval.id, 'already-decided', 'APPROVAL_ALREADY_DECIDED'],
      [c.approval.id, 'decided', undefined],
    ]);
    expect(response.body.data[0]?.approval).toMatchObject({ status: 'approved', decidedBy: { kind: 'key', name: 'Rita' } });
    expect(await api.store.getApproval('acme', a.approval.id)).toMatchObject({ status: 'approved' });
    expect(await api.store.getApproval('acme', b.approval.id)).toMatchObject({ status: 'pending' });
    expect(await api.store.getApproval('acme', c.approval.id)).toMatchObject({ status: 'rejected', decisionReason: 'no' });
    expect((await api.settled(a.run.id)).status).toBe('completed');
    expect((await api.settled(c.run.id)).status).toBe('completed');
    expect(await api.runtime.getRun(b.run.id, { tenantId: 'acme' })).toMatchObject({ status: 'waiting', waitingReason: 'approval' });
  });

  it('answers not-found for another tenant’s ids, and refuses a body of the wrong shape whole (400), deciding nothing', async () => {
    const { approval } = await api.parkedApproval('batch-bob');
    const foreign = await api.json<Results>('POST', '/v1/approvals', { key: api.keys.other, body: { decisions: [{ id: approval.id, decision: 'approve' }] } });
    expect(foreign.body.data).toEqual([expect.objectContaining({ id: approval.id, outcome: 'not-found' })]);
    for (const body of [
      { decisions: [] },
      {
        decisions: [
          { id: approval.id, decision: 'approve' },
          { id: approval.id, decision: 'maybe' },
        ],
      },
      { decisions: [{ id: approval.id, decision: 'approve', extra: 1 }] },
      { decisions: Array.from({ length: 101 }, () => ({ id: approval.id, decision: 'approve' })) },
      { decisions: [{ id: approval.id, decision: 'approve' }], reviewer: '\u202eevil' },
    ]) {
      const response = await api.json<{ error: { code: string } }>('POST', '/v1/approvals', { key: api.keys.reviewer, body });
      expect([response.status, response.body.error.code]).toEqual([400, 'INPUT_INVALID']);
    }
    expect(await api.store.getApproval('acme', approval.id)).toMatchObject({ status: 'pending' });
    const forbidden = await api.json<{ error: { code: string } }>('POST', '/v1/approvals', {
      key: api.keys.app,
      body: { decisions: [{ id: approval.id, decision: 'approve' }] },
    });
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(await api.store.getApproval('acme', approval.id)).toMatchObject({ status: 'pending' });
  });
});
