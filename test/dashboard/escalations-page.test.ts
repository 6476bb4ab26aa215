import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOversightDashboard, type OversightDashboard } from './oversight-fixture.ts';

/**
 * The escalations pages over real runs whose user asked for a person: the queue (the tenant's,
 * by status), one escalation with its handoff package (escaped), replying, handing back and
 * resolving with the signed-in key as the actor, and refusals changing nothing.
 */
let test: OversightDashboard;

beforeAll(async () => {
  test = await createOversightDashboard();
});
afterAll(async () => {
  await test.close();
});

const journalOf = (runId: string) => test.store.readJournal(runId);
const post = (
  path: string,
  form: Record<string, string>,
  options: { as?: 'admin' | 'reviewer' | 'viewer' | 'app' | 'other'; headers?: Record<string, string> } = {},
) => test.ui('POST', path, { as: options.as ?? 'reviewer', form, ...(options.headers === undefined ? {} : { headers: options.headers }) });

describe('GET /ui/escalations and /ui/escalations/{id}', () => {
  it('lists open escalations of the tenant, and shows one with its handoff package, escaped', async () => {
    const hostile = '<script>window.pwned=1</script><b onmouseover=alert(1)>x</b> ';
    const { run, escalation } = await test.openEscalation('list-ana', { prefix: hostile });
    const queue = await (await test.ui('GET', '/ui/escalations', { as: 'viewer' })).text();
    expect(queue).toContain(`href="/ui/escalations/${escalation.id}"`);
    expect(queue).toContain('The user asked for a human');
    expect(queue).not.toContain('<script>window.pwned');
    expect((await (await test.ui('GET', '/ui/escalations', { as: 'other' })).text()).includes(escalation.id)).toBe(false);

    const response = await test.ui('GET', `/ui/escalations/${escalation.id}`, { as: 'reviewer' });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain(`href="/ui/runs/${run.id}"`);
    expect(page).toContain('&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;b onmouseover=alert(1)&gt;x&lt;/b&gt; Can I talk to a real person please?');
    expect(page).not.toContain('<script>window.pwned');
    expect(page).not.toContain('<b onmouseover');
    expect(page).toContain('user-request');
    expect(page).toContain('Send and hand back to the agent');

    expect(await (await test.ui('GET', `/ui/runs/${run.id}`, { as: 'reviewer' })).text()).toContain(`href="/ui/escalations/${escalation.id}"`);

    const viewer = await (await test.ui('GET', `/ui/escalations/${escalation.id}`, { as: 'viewer' })).text();
    expect(viewer).not.toContain(`action="/ui/escalations/${escalation.id}/reply"`);
    expect(viewer).toContain('Your role can read escalations but not answer them.');
  });

  it('shows what was tried: each tool call with its arguments, outcome and result, escaped; and the agent’s pending question', async () => {
    const { escalation } = await test.escalatedAfterLookup('tried-ana', '<i>A-9</i>');
    const page = await (await test.ui('GET', `/ui/escalations/${escalation.id}`, { as: 'reviewer' })).text();
    expect(page).toContain('The carrier lost the parcel');
    expect(page).toContain('Send a new one?');
    expect(page).toContain('agent-request');
    const tried = /<table>[\s\S]*?<\/table>/.exec(page)?.[0] ?? '';
    expect(tried).toContain('<code>lookup_order</code>');
    expect(tried).toContain('{&quot;orderId&quot;:&quot;&lt;i&gt;A-9&lt;/i&gt;&quot;}');
    expect(tried).toContain('succeeded');
    expect(tried).toContain('&quot;status&quot;:&quot;delivered&quot;');
    expect(page).not.toContain('<i>A-9</i>');
  });

  it('filters by status, refuses a bad one (400), and is not for app keys (403)', async () => {
    const { run, escalation } = await test.openEscalation('filter-ana');
    await test.runtime.resolveEscalation(escalation.id, {}, { tenantId: 'acme', actor: { kind: 'cli', name: 'ops' } });
    await test.settled(run.id);
    expect(await (await test.ui('GET', '/ui/escalations?status=open')).text()).not.toContain(escalation.id);
    expect(await (await test.ui('GET', '/ui/escalations?status=resolved')).text()).toContain(escalation.id);
    expect(await (await test.ui('GET', '/ui/escalations?status=all')).text()).toContain(escalation.id);
    expect((await test.ui('GET', '/ui/escalations?status=closed')).status).toBe(400);
    expect((await test.ui('GET', '/ui/escalations', { as: 'app' })).status).toBe(403);
  });
});

describe('POST /ui/escalations/{id}/reply and /resolve', () => {
  it('a reply reaches the run’s journal with the reviewer as the actor and keeps the escalation open; resolving completes the run with it', async () => {
    const { run, escalation } = await test.openEscalation('reply-ana');
    const reply = await post(`/ui/escalations/${escalation.id}/reply`, {
      message: 'Hi, Rita here: your refund is on its way.',
      handBack: 'false',
      reviewer: 'Rita',
    });
    expect(reply.status).toBe(303);
    expect(reply.headers.get('location')).toBe(`/ui/escalations/${escalation.id}?answered=1`);
    const actor = { kind: 'key', keyId: await test.keyId('reviewer'), name: 'Rita' };
    expect((await journalOf(run.id)).filter((entry) => entry.type === 'escalation-reply')).toEqual([
      expect.objectContaining({ escalationId: escalation.id, message: 'Hi, Rita here: your refund is on its way.', handBack: false, actor }),
    ]);
    const shown = await (await test.ui('GET', `/ui/escalations/${escalation.id}?answered=1`, { as: 'reviewer' })).text();
    expect(shown).toContain('Sent: the user has your reply.');
    expect(shown).toContain('Hi, Rita here: your refund is on its way.');

    expect((await post(`/ui/escalations/${escalation.id}/resolve`, { endSession: 'true' })).status).toBe(303);
    const done = await test.settled(run.id);
    expect(done).toMatchObject({ status: 'completed', output: 'Hi, Rita here: your refund is on its way.' });
    expect(await test.store.getEscalation('acme', escalation.id)).toMatchObject({ status: 'resolved' });
    expect((await journalOf(run.id)).find((entry) => entry.type === 'escalation-resolve')).toMatchObject({
      endSession: true,
      actor: { kind: 'key', keyId: actor.keyId },
    });

    // Closed: another reply is refused with a clear message and sends nothing.
    const journal = await journalOf(run.id);
    const late = await post(`/ui/escalations/${escalation.id}/reply`, { message: 'one more thing', handBack: 'false' });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain('This escalation is no longer open (resolved): nothing was sent.');
    expect(await journalOf(run.id)).toEqual(journal);
  });

  it('hand back: the agent resumes with the reply in its context', async () => {
    const { run, escalation } = await test.openEscalation('handback-ana');
    const response = await post(
      `/ui/escalations/${escalation.id}/reply`,
      { message: 'I fixed the address; over to the assistant.', handBack: 'true' },
      { headers: { 'hx-request': 'true' } },
    );
    expect(response.status).toBe(200);
    const fragment = await response.text();
    expect(fragment.trimStart().startsWith(`<article class="card escalation" id="escalation-${escalation.id}"`)).toBe(true);
    expect(fragment).toContain('handed back');
    const done = await test.settled(run.id);
    expect(done).toMatchObject({ status: 'completed', output: 'Thanks for waiting: anything else I can do?' });
    expect(await test.store.getEscalation('acme', escalation.id)).toMatchObject({ status: 'handed-back' });
    expect(await (await test.ui('GET', `/ui/escalations/${escalation.id}/run`, { as: 'viewer' })).text()).toContain('data-run-status="completed"');
    expect((await test.ui('GET', `/ui/escalations/${escalation.id}/run`, { as: 'other' })).status).toBe(404);
  });

  it('refuses an empty reply (400), a viewer (403), a cross-site form (403) and another tenant’s id (404), changing nothing', async () => {
    const { run, escalation } = await test.openEscalation('refused-ana');
    const journal = await journalOf(run.id);
    const empty = await post(`/ui/escalations/${escalation.id}/reply`, { message: '  ', handBack: 'false' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Write the reply the user will receive.');
    expect((await post(`/ui/escalations/${escalation.id}/reply`, { message: 'hi' }, { as: 'viewer' })).status).toBe(403);
    expect((await post(`/ui/escalations/${escalation.id}/resolve`, {}, { as: 'viewer' })).status).toBe(403);
    expect((await post(`/ui/escalations/${escalation.id}/resolve`, {}, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await post(`/ui/escalations/${escalation.id}/reply`, { message: 'hi' }, { as: 'other' })).status).toBe(404);
    expect((await test.ui('GET', `/ui/escalations/${escalation.id}`, { as: 'other' })).status).toBe(404);
    expect(await journalOf(run.id)).toEqual(journal);
    expect(await test.store.getEscalation('acme', escalation.id)).toMatchObject({ status: 'open' });
  });
});
