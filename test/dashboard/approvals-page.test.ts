import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOversightDashboard, type OversightDashboard } from './oversight-fixture.ts';

/**
 * The approval inbox page over real runs parked by the fake model server: what it lists (the
 * tenant's, escaped), deciding from its forms — approve, reject with a reason, edit then approve —
 * with the signed-in key recorded as the actor, and every refusal changing nothing: a role that
 * may not decide, a cross-site form, malformed or schema-failing arguments, another tenant's id,
 * a second decision.
 */
let test: OversightDashboard;

beforeAll(async () => {
  test = await createOversightDashboard();
});
afterAll(async () => {
  await test.close();
});

const journalOf = (runId: string) => test.store.readJournal(runId);
const decide = (
  id: string,
  form: Record<string, string>,
  options: { as?: 'admin' | 'reviewer' | 'viewer' | 'app' | 'other'; headers?: Record<string, string> } = {},
) => test.ui('POST', `/ui/approvals/${id}`, { as: options.as ?? 'reviewer', form, ...(options.headers === undefined ? {} : { headers: options.headers }) });

describe('GET /ui/approvals', () => {
  it('lists the tenant’s pending approvals with their run, agent, user, tool, escaped arguments and reason; another tenant sees none', async () => {
    const hostile = '</pre><script>window.pwned=1</script><img src=x onerror=alert(1)>';
    const { run, approval } = await test.parkedApproval('list-ana', { orderId: hostile });
    const response = await test.ui('GET', '/ui/approvals', { as: 'reviewer' });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain(`id="approval-${approval.id}"`);
    expect(page).toContain(`href="/ui/runs/${run.id}"`);
    expect(page).toContain('list-ana');
    expect(page).toContain('issue_refund needs approval for this input');
    // Pretty JSON, escaped: the markup in the arguments is text, not elements.
    expect(page).toContain('&quot;orderId&quot;: &quot;&lt;/pre&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&quot;');
    expect(page).not.toContain('<script>window.pwned');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('<button type="submit">Approve</button>');

    // The run's timeline links back to the approval.
    expect(await (await test.ui('GET', `/ui/runs/${run.id}`, { as: 'reviewer' })).text()).toContain(`href="/ui/approvals/${approval.id}"`);

    const other = await (await test.ui('GET', '/ui/approvals', { as: 'other' })).text();
    expect(other).not.toContain(approval.id);
    expect(other).toContain('Nothing waits for a decision.');
  });

  it('says when approvals arrive after the inbox was loaded, without replacing its cards', async () => {
    const { approval: first } = await test.parkedApproval('news-ana');
    const page = await (await test.ui('GET', '/ui/approvals?userId=news-ana', { as: 'viewer' })).text();
    const poll = /hx-get="(\/ui\/approvals\/news\?[^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
    expect(poll).toBe(`/ui/approvals/news?after=${encodeURIComponent(first.createdAt)}&userId=news-ana`);
    if (poll === undefined) return;
    expect(await (await test.ui('GET', poll, { as: 'viewer' })).text()).not.toContain('new approval');

    await test.parkedApproval('news-ana');
    await test.parkedApproval('news-bob');
    const news = await test.ui('GET', poll, { as: 'viewer' });
    expect(news.status).toBe(200);
    const line = await news.text();
    expect(line).toContain('1 new approval waits: <a href="/ui/approvals?status=pending&amp;userId=news-ana">show them</a>');
    expect(line).toContain(`hx-get="${poll.replaceAll('&', '&amp;')}"`);
    expect(await (await test.ui('GET', poll, { as: 'other' })).text()).not.toContain('new approval');
    expect((await test.ui('GET', '/ui/approvals/news?after=yesterday', { as: 'viewer' })).status).toBe(400);
    // A decided or an older page does not poll.
    expect(await (await test.ui('GET', '/ui/approvals?status=decided', { as: 'viewer' })).text()).not.toContain('/ui/approvals/news');
  });

  it('shows a viewer the inbox without any decision form', async () => {
    const { approval } = await test.parkedApproval('viewer-ana');
    const page = await (await test.ui('GET', '/ui/approvals', { as: 'viewer' })).text();
    expect(page).toContain(`id="approval-${approval.id}"`);
    expect(page).not.toContain(`action="/ui/approvals/${approval.id}"`);
    expect(page).toContain('Your role can read the inbox but not decide.');
  });

  it('lists decided approvals under the decided filter, and refuses a bad filter with 400', async () => {
    const { run, approval } = await test.parkedApproval('filter-ana');
    await test.runtime.decideApproval(approval.id, { decision: 'reject', reason: 'not this one' }, { tenantId: 'acme', actor: { kind: 'cli', name: 'ops' } });
    await test.settled(run.id);
    const pending = await (await test.ui('GET', '/ui/approvals?status=pending&userId=filter-ana')).text();
    expect(pending).not.toContain(approval.id);
    const decided = await (await test.ui('GET', '/ui/approvals?status=decided&userId=filter-ana')).text();
    expect(decided).toContain(approval.id);
    expect(decided).toContain('not this one');
    expect(decided).toContain('rejected by ops');
    expect((await test.ui('GET', '/ui/approvals?status=open')).status).toBe(400);
  });
});

describe('POST /ui/approvals/{id}', () => {
  it('approve: records the signed-in key and the reviewer’s name, redirects to the decided approval, and the call runs once', async () => {
    const { run, approval } = await test.parkedApproval('approve-ana');
    const before = test.executed.length;
    const response = await decide(approval.id, { decision: 'approve', reviewer: 'Rita Ramos' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/ui/approvals/${approval.id}?decided=1`);
    const actor = { kind: 'key', keyId: await test.keyId('reviewer'), name: 'Rita Ramos' };
    expect(await test.store.getApproval('acme', approval.id)).toMatchObject({ status: 'approved', decidedBy: actor });
    expect((await test.settled(run.id)).status).toBe('completed');
    expect(test.executed.slice(before)).toEqual([{ tool: 'issue_refund', input: { orderId: '1001', amountUsd: 80 } }]);
    expect((await journalOf(run.id)).filter((entry) => entry.type === 'approval-decision')).toEqual([
      expect.objectContaining({ approvalId: approval.id, decision: 'approve', actor }),
    ]);

    const shown = await (await test.ui('GET', `/ui/approvals/${approval.id}?decided=1`, { as: 'reviewer' })).text();
    expect(shown).toContain('Approved: the call runs as proposed');
    expect(shown).toContain('approved by Rita Ramos');
    expect(shown).toContain('data-run-status="completed"');
  });

  it('records the name saved for this browser (POST /ui/reviewer) when the form gives none', async () => {
    const saved = await test.ui('POST', '/ui/reviewer', { as: 'reviewer', form: { name: 'Maria Silva', next: '/ui/approvals?status=pending' } });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/ui/approvals?status=pending');
    const cookie = saved.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^keel_reviewer=Maria%20Silva;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect((await test.ui('POST', '/ui/reviewer', { as: 'reviewer', form: { name: 'bad\u0007name', next: '/ui/approvals' } })).status).toBe(400);
    // Somewhere else than the dashboard is not a place to go back to.
    expect((await test.ui('POST', '/ui/reviewer', { as: 'reviewer', form: { name: 'Maria', next: 'https://evil.example/' } })).headers.get('location')).toBe(
      '/ui/',
    );

    const { run, approval } = await test.parkedApproval('saved-name-ana');
    const response = await test.ui('POST', `/ui/approvals/${approval.id}`, {
      as: 'reviewer',
      form: { decision: 'approve' },
      headers: { cookie: `${await test.sessionCookie('reviewer')}; keel_reviewer=Maria%20Silva` },
    });
    expect(response.status).toBe(303);
    expect(await test.store.getApproval('acme', approval.id)).toMatchObject({
      decidedBy: { kind: 'key', keyId: await test.keyId('reviewer'), name: 'Maria Silva' },
    });
    await test.settled(run.id);
    const page = await (
      await test.ui('GET', '/ui/approvals', { as: 'reviewer', headers: { cookie: `${await test.sessionCookie('reviewer')}; keel_reviewer=Maria%20Silva` } })
    ).text();
    expect(page).toContain('value="Maria Silva"');
  });

  it('parallel calls of one step are decided one by one: the first decision says the run waits for the other', async () => {
    const { run, approvals } = await test.parkedPair('pair-ana');
    const [first, second] = approvals;
    if (first === undefined || second === undefined) throw new Error('two approvals expected');
    const hx = { headers: { 'hx-request': 'true' } };
    const one = await (await decide(first.id, { decision: 'approve' }, hx)).text();
    expect(one).toContain('Approved: the call runs as proposed. The run resumes once the other call of its step waiting for approval is decided.');
    expect((await test.store.getRun('acme', run.id))?.waitingReason).toBe('approval');
    const two = await (await decide(second.id, { decision: 'reject', reason: 'one refund is enough' }, hx)).text();
    expect(two).toContain('Rejected: the call does not run; the model is told your reason, and the run resumes.');
    expect((await test.settled(run.id)).status).toBe('completed');
  });

  it('decides several at once from the inbox: each on its own, the tenant’s only, with the same actor', async () => {
    const first = await test.parkedApproval('batch-ana');
    const second = await test.parkedApproval('batch-ana');
    const page = await (await test.ui('GET', '/ui/approvals?userId=batch-ana', { as: 'reviewer' })).text();
    expect(page).toContain('<form id="batch"');
    expect(page).toMatch(new RegExp(`type="checkbox"\\s+name="id"\\s+value="${first.approval.id}"\\s+form="batch"`));
    expect(await (await test.ui('GET', '/ui/approvals?userId=batch-ana', { as: 'viewer' })).text()).not.toContain('<form id="batch"');

    const body = new URLSearchParams([
      ['id', first.approval.id],
      ['id', second.approval.id],
      ['id', 'apr_unknown'],
      ['decision', 'approve'],
    ]).toString();
    const send = async (as: 'reviewer' | 'viewer', form: string) =>
      test.app.request('http://localhost/ui/approvals/batch', {
        method: 'POST',
        headers: {
          cookie: await test.sessionCookie(as),
          origin: 'http://localhost',
          'sec-fetch-site': 'same-origin',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: form,
      });
    expect((await send('viewer', body)).status).toBe(403);
    expect(await test.store.getApproval('acme', first.approval.id)).toMatchObject({ status: 'pending' });

    const response = await send('reviewer', body);
    expect(response.status).toBe(200);
    const results = await response.text();
    expect(results).toContain('2 of 3 decided');
    expect(results).toMatch(/apr_unknown<\/a>:\s+not found/);
    const actor = { kind: 'key', keyId: await test.keyId('reviewer') };
    for (const { run, approval } of [first, second]) {
      expect(await test.store.getApproval('acme', approval.id)).toMatchObject({ status: 'approved', decidedBy: actor });
      expect((await test.settled(run.id)).status).toBe('completed');
    }

    const rejectWithout = await test.ui('POST', '/ui/approvals/batch', { as: 'reviewer', form: { id: first.approval.id, decision: 'reject' } });
    expect(rejectWithout.status).toBe(400);
    expect((await test.ui('POST', '/ui/approvals/batch', { as: 'reviewer', form: { decision: 'approve' } })).status).toBe(400);
  });

  it('deciding twice answers 409 with who decided first, and changes nothing', async () => {
    const { run, approval } = await test.parkedApproval('twice-ana');
    expect((await decide(approval.id, { decision: 'approve', reviewer: 'First' })).status).toBe(303);
    await test.settled(run.id);
    const journal = await journalOf(run.id);
    const again = await decide(approval.id, { decision: 'reject', reason: 'too late', reviewer: 'Second' }, { as: 'admin' });
    expect(again.status).toBe(409);
    const page = await again.text();
    expect(page).toContain('This approval was already decided: approved by First');
    expect(page).toContain('Your decision was not applied.');
    expect(await journalOf(run.id)).toEqual(journal);
    expect(await test.store.getApproval('acme', approval.id)).toMatchObject({ status: 'approved', decisionReason: null });
  });

  it('reject: needs a reason (400, nothing changed without one); the model is told it', async () => {
    const { run, approval } = await test.parkedApproval('reject-ana');
    const journal = await journalOf(run.id);
    const blank = await decide(approval.id, { decision: 'reject', reason: '   ' });
    expect(blank.status).toBe(400);
    expect(await blank.text()).toContain('Give a reason for the rejection');
    expect(await journalOf(run.id)).toEqual(journal);

    // Bytes that are not UTF-8 (a lone surrogate's encoding, a stray continuation byte) are refused, not stored as U+FFFD.
    for (const reason of ['%ED%A0%80', 'caf%E9', '%80']) {
      const malformed = await test.ui('POST', `/ui/approvals/${approval.id}`, { as: 'reviewer', encodedForm: `decision=reject&reason=${reason}` });
      expect(malformed.status, reason).toBe(400);
      expect(await malformed.text()).toContain('REQUEST_MALFORMED');
    }
    expect(await journalOf(run.id)).toEqual(journal);

    expect((await decide(approval.id, { decision: 'reject', reason: 'refunds over $50 need a manager' })).status).toBe(303);
    const done = await test.settled(run.id);
    expect(done.status).toBe('completed');
    expect(done.output).toContain('refunds over $50 need a manager');
    expect(await test.store.getApproval('acme', approval.id)).toMatchObject({ status: 'rejected', decisionReason: 'refunds over $50 need a manager' });
  });

  it('edit: malformed JSON and arguments failing the schema are shown on the card with the text kept, and change nothing; valid ones run', async () => {
    const { run, approval } = await test.parkedApproval('edit-ana', { amountUsd: 90 });
    const journal = await journalOf(run.id);

    const malformed = await decide(approval.id, { decision: 'edit', args: '{"orderId": "1001", amountUsd: 40' });
    expect(malformed.status).toBe(400);
    const malformedPage = await malformed.text();
    expect(malformedPage).toContain('The arguments are not valid JSON');
    expect(malformedPage).toContain('Nothing was decided.');
    expect(malformedPage).toContain('{&quot;orderId&quot;: &quot;1001&quot;, amountUsd: 40</textarea>');
    expect(malformedPage).toMatch(/<details class="decide decide-edit" open>/);

    const invalid = await decide(approval.id, { decision: 'edit', args: '{"orderId": "1001", "amountUsd": -5}' });
    expect(invalid.status).toBe(400);
    const invalidPage = await invalid.text();
    expect(invalidPage).toContain('The edited arguments do not match the input schema of issue_refund');
    expect(invalidPage).toContain('<code>amountUsd</code>');

    expect(await journalOf(run.id)).toEqual(journal);
    expect(await test.store.getApproval('acme', approval.id)).toMatchObject({ status: 'pending' });

    const before = test.executed.length;
    expect((await decide(approval.id, { decision: 'edit', args: '{\r\n  "orderId": "1001",\r\n  "amountUsd": 40\r\n}' })).status).toBe(303);
    expect((await test.settled(run.id)).status).toBe('completed');
    expect(test.executed.slice(before)).toEqual([{ tool: 'issue_refund', input: { orderId: '1001', amountUsd: 40 } }]);
    expect(await test.store.getApproval('acme', approval.id)).toMatchObject({ status: 'edited', decidedInput: { orderId: '1001', amountUsd: 40 } });
  });

  it('a viewer or an app key may not decide: 403, nothing changed', async () => {
    const { run, approval } = await test.parkedApproval('forbidden-ana');
    const journal = await journalOf(run.id);
    for (const as of ['viewer', 'app'] as const) {
      const response = await decide(approval.id, { decision: 'approve' }, { as });
      expect([as, response.status]).toEqual([as, 403]);
      expect(await response.text()).toContain('FORBIDDEN');
    }
    expect(await journalOf(run.id)).toEqual(journal);
    expect(await test.store.getApproval('acme', approval.id)).toMatchObject({ status: 'pending' });
  });

  it('refuses a form sent from another site (403), whatever the role', async () => {
    const { run, approval } = await test.parkedApproval('csrf-ana');
    const journal = await journalOf(run.id);
    for (const headers of [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': '', origin: 'https://evil.example' },
    ]) {
      const response = await decide(approval.id, { decision: 'approve' }, { as: 'admin', headers });
      expect(response.status).toBe(403);
    }
    expect(await journalOf(run.id)).toEqual(journal);
    expect(await test.store.getApproval('acme', approval.id)).toMatchObject({ status: 'pending' });
  });

  it('another tenant’s approval id, an unknown one and one that cannot exist are not found (404)', async () => {
    const { run, approval } = await test.parkedApproval('tenant-ana');
    const journal = await journalOf(run.id);
    expect((await test.ui('GET', `/ui/approvals/${approval.id}`, { as: 'other' })).status).toBe(404);
    const response = await decide(approval.id, { decision: 'approve' }, { as: 'other' });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('APPROVAL_NOT_FOUND');
    expect((await decide('apr_unknown', { decision: 'approve' })).status).toBe(404);
    expect((await test.ui('GET', '/ui/approvals/%1Bbad')).status).toBe(404);
    expect(await journalOf(run.id)).toEqual(journal);
    expect(await test.store.getApproval('acme', approval.id)).toMatchObject({ status: 'pending' });
  });

  it('answers htmx with the card alone: decided, or with the problem (4xx, which htmx 4 swaps)', async () => {
    const { run, approval } = await test.parkedApproval('htmx-ana');
    const refused = await decide(approval.id, { decision: 'edit', args: 'not json' }, { headers: { 'hx-request': 'true' } });
    expect(refused.status).toBe(400);
    const fragment = await refused.text();
    expect(fragment.trimStart().startsWith(`<article class="card approval" id="approval-${approval.id}"`)).toBe(true);
    expect(fragment).toContain('The arguments are not valid JSON');

    // An error the card cannot explain (arguments larger than a form may be) comes back alone too, not as a page inside the page.
    const tooLarge = await decide(approval.id, { decision: 'edit', args: `{"orderId": "${'x'.repeat(300_000)}"}` }, { headers: { 'hx-request': 'true' } });
    expect(tooLarge.status).toBe(413);
    const error = await tooLarge.text();
    expect(error).not.toContain('<html');
    expect(error).toContain('BODY_TOO_LARGE');

    const decided = await decide(approval.id, { decision: 'approve' }, { headers: { 'hx-request': 'true' } });
    expect(decided.status).toBe(200);
    const card = await decided.text();
    expect(card).not.toContain('<html');
    expect(card).toContain('Approved: the call runs as proposed');
    expect((await test.settled(run.id)).status).toBe('completed');
  });
});
