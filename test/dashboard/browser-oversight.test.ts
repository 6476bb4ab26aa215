import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath, openDashboardBrowser, type DashboardBrowser } from './dashboard-fixture.ts';
import { createOversightDashboard, type OversightDashboard } from './oversight-fixture.ts';

/**
 * A reviewer works the inbox and the escalations in Chromium, over real runs parked by the fake
 * model server: approve a waiting call and watch its run finish on the live timeline; refuse a
 * malformed edit and reject with a reason; reply to an escalation and resolve it. The runs'
 * hostile text stays text: no script of theirs runs.
 */
let test: OversightDashboard;
let browser: DashboardBrowser;
/** Anything the Content-Security-Policy blocked, a script error, or a request to another origin, on any page of the browser. */
const problems: string[] = [];

function watch(page: Page): void {
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location().url;
    // A refused submission is answered 4xx on purpose (htmx 4 swaps it in): Chromium logs each such response.
    if (/status of 4(00|09)\b/.test(message.text()) && where.includes('/ui/')) return;
    problems.push(`${message.text()} (${where})`);
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('request', (request) => {
    if (!request.url().startsWith(browser.url)) problems.push(`request to ${request.url()}`);
  });
}

beforeAll(async () => {
  test = await createOversightDashboard();
  browser = await openDashboardBrowser(test);
  watch(browser.page);
  browser.context.on('page', watch);
  await browser.signIn('reviewer');
});
afterAll(async () => {
  await browser.close();
  await test.close();
  expect(problems).toEqual([]);
});

/** Set only if a hostile value ran as script. */
const pwned = () => browser.page.evaluate('typeof window.pwned');

describe('the approval inbox in Chromium', () => {
  it('approves a waiting call, and the run’s live timeline shows it finish', async () => {
    const { run, approval } = await test.parkedApproval('browser-ana', { orderId: '<img src=x onerror="window.pwned=1">' });
    const { page, url, context } = browser;
    const timeline = await context.newPage();
    await timeline.goto(`${url}/ui/runs/${run.id}`);
    await expect.poll(() => timeline.locator('#live-note').textContent()).toBe('live');

    await page.goto(`${url}/ui/approvals`);
    const card = page.locator(`#approval-${approval.id}`);
    expect(await card.getByLabel('Arguments the model proposed').textContent()).toContain('"orderId": "<img src=x onerror=\\"window.pwned=1\\">"');
    expect(await card.locator('img').count()).toBe(0);
    await page.getByLabel('Your name').fill('Rita Ramos');
    await page.getByRole('button', { name: 'Save name' }).click();
    await expect.poll(() => page.getByLabel('Your name').inputValue()).toBe('Rita Ramos');
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => card.getByRole('status').textContent()).toContain('Approved: the call runs as proposed');
    // htmx swapped the card in place: the page did not navigate, and focus moved to what happened.
    expect(page.url()).toBe(`${url}/ui/approvals`);
    expect(await page.evaluate('document.activeElement.textContent')).toContain('Approved: the call runs as proposed');
    await expect.poll(() => card.locator('[data-run-status]').getAttribute('data-run-status'), { timeout: 15_000 }).toBe('completed');

    await expect.poll(() => timeline.locator('#live-note').textContent(), { timeout: 15_000 }).toBe('finished');
    expect(await timeline.locator('#timeline').textContent()).toContain('Run completed');
    expect(await timeline.locator('#run-facts .status').textContent()).toBe('completed');
    await timeline.close();

    expect(await test.store.getApproval('acme', approval.id)).toMatchObject({ status: 'approved', decidedBy: { kind: 'key', name: 'Rita Ramos' } });
    expect(test.executed.filter((call) => call.tool === 'issue_refund' && (call.input as { orderId: string }).orderId.startsWith('<img'))).toHaveLength(1);
    expect(await pwned()).toBe('undefined');
  });

  it('shows a malformed edit’s error in place, then rejects with a reason the model is told', async () => {
    const { run, approval } = await test.parkedApproval('browser-bob');
    const { page, url } = browser;
    await page.goto(`${url}/ui/approvals`);
    const card = page.locator(`#approval-${approval.id}`);
    await card.getByText('Edit the arguments, then approve').click();
    await card.locator(`#approval-${approval.id}-args`).fill('{"orderId": "1001", "amountUsd": ');
    await card.getByRole('button', { name: 'Approve with these arguments' }).click();
    await expect.poll(() => card.getByRole('alert').textContent()).toContain('The arguments are not valid JSON');
    expect(await page.evaluate('document.activeElement.getAttribute("role")')).toBe('alert');
    expect(await card.locator(`#approval-${approval.id}-args`).inputValue()).toBe('{"orderId": "1001", "amountUsd": ');
    expect(await test.store.getApproval('acme', approval.id)).toMatchObject({ status: 'pending' });

    await card.locator(`#approval-${approval.id}-reason`).fill('Refunds over $50 need a manager');
    await card.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => card.getByRole('status').textContent()).toContain('Rejected');
    await expect.poll(() => card.locator('[data-run-status]').getAttribute('data-run-status'), { timeout: 15_000 }).toBe('completed');
    expect((await test.settled(run.id)).output).toContain('Refunds over $50 need a manager');

    await page.goto(`${url}/ui/approvals?status=decided`);
    expect(await page.locator(`#approval-${approval.id}`).textContent()).toContain('Refunds over $50 need a manager');
  });

  it('rejects several selected approvals at once with one reason', async () => {
    const pair = [await test.parkedApproval('browser-fay'), await test.parkedApproval('browser-fay')];
    const { page, url } = browser;
    await page.goto(`${url}/ui/approvals?userId=browser-fay`);
    for (const { approval } of pair) await page.getByLabel(`Select issue_refund of run ${approval.runId}`).check();
    await page.locator('#batch-reason').fill('Refunds are paused today');
    await page.getByRole('button', { name: 'Reject selected' }).click();
    await expect.poll(() => page.getByRole('heading', { name: '2 of 2 decided' }).count()).toBe(1);
    for (const { run, approval } of pair) {
      expect(await test.store.getApproval('acme', approval.id)).toMatchObject({ status: 'rejected', decisionReason: 'Refunds are paused today' });
      expect((await test.settled(run.id)).output).toContain('Refunds are paused today');
    }
  });

  it('tells an open inbox when a new approval arrives, and shows it on request', async () => {
    const { page, url } = browser;
    await page.goto(`${url}/ui/approvals?userId=browser-dee`);
    expect(await page.locator('.approval').count()).toBe(0);
    const { approval } = await test.parkedApproval('browser-dee');
    await expect.poll(() => page.locator('#inbox-news').textContent(), { timeout: 15_000 }).toContain('1 new approval waits');
    await page.getByRole('link', { name: 'show them' }).click();
    await page.locator(`#approval-${approval.id}`).waitFor();
  });
});

describe('the inbox without JavaScript', () => {
  it('decides with plain forms: a refused edit comes back as a page with the text kept, a rejection redirects to the decided approval', async () => {
    const { run, approval } = await test.parkedApproval('browser-nojs');
    const plain = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
    try {
      const page = await (await plain.newContext({ javaScriptEnabled: false })).newPage();
      await page.goto(`${browser.url}/ui/sign-in`);
      await page.getByLabel('API key').fill(test.keys.reviewer);
      await Promise.all([page.waitForURL(`${browser.url}/ui/`), page.getByRole('button', { name: 'Sign in' }).click()]);
      await page.goto(`${browser.url}/ui/approvals?userId=browser-nojs`);
      const card = page.locator(`#approval-${approval.id}`);
      await card.getByText('Edit the arguments, then approve').click();
      await card.locator(`#approval-${approval.id}-args`).fill('{"orderId": ');
      await card.getByRole('button', { name: 'Approve with these arguments' }).click();
      await page.waitForURL(`${browser.url}/ui/approvals/${approval.id}`);
      expect(await page.getByRole('alert').textContent()).toContain('The arguments are not valid JSON');
      expect(await page.locator(`#approval-${approval.id}-args`).inputValue()).toBe('{"orderId": ');

      await page.locator(`#approval-${approval.id}-reason`).fill('Not without a receipt');
      await page.getByRole('button', { name: 'Reject' }).click();
      await page.waitForURL(`${browser.url}/ui/approvals/${approval.id}?decided=1`);
      expect(await page.getByRole('status').textContent()).toContain('Rejected');
      expect((await test.settled(run.id)).output).toContain('Not without a receipt');
    } finally {
      await plain.close();
    }
  });
});

describe('escalations in Chromium', () => {
  it('reads the handoff, replies to the user and resolves the escalation', async () => {
    const { run, escalation } = await test.openEscalation('browser-cy', { prefix: '<script>window.pwned=1</script> ' });
    const { page, url } = browser;
    await page.goto(`${url}/ui/escalations`);
    await page.locator(`a[href="/ui/escalations/${escalation.id}"]`).click();
    await page.waitForURL(`${url}/ui/escalations/${escalation.id}`);
    const view = page.locator(`#escalation-${escalation.id}`);
    expect(await view.getByRole('list', { name: 'The conversation' }).textContent()).toContain(
      '<script>window.pwned=1</script> Can I talk to a real person please?',
    );

    await view.getByLabel('Reply to the user').fill('Hello, Rita here: your refund is on its way.');
    await view.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => view.getByRole('status').textContent()).toContain('Sent: the user has your reply.');
    expect(page.url()).toBe(`${url}/ui/escalations/${escalation.id}`);
    expect(await view.getByRole('list', { name: 'The conversation' }).textContent()).toContain('Hello, Rita here: your refund is on its way.');

    await view.getByRole('button', { name: 'Resolve' }).click();
    await expect.poll(() => view.getByRole('status').textContent()).toContain('Resolved');
    expect(await view.locator('[data-run-status]').getAttribute('data-run-status')).toBe('completed');
    expect(await test.settled(run.id)).toMatchObject({ status: 'completed', output: 'Hello, Rita here: your refund is on its way.' });
    expect(await test.store.getEscalation('acme', escalation.id)).toMatchObject({ status: 'resolved' });
    expect(await pwned()).toBe('undefined');
  });

  it('hands a conversation back to the agent and watches the run continue to its end', async () => {
    const { run, escalation } = await test.openEscalation('browser-eve');
    const { page, url } = browser;
    await page.goto(`${url}/ui/escalations/${escalation.id}`);
    const view = page.locator(`#escalation-${escalation.id}`);
    await view.getByLabel('Reply to the user').fill('I changed the delivery address; the assistant takes it from here.');
    await view.getByRole('button', { name: 'Send and hand back to the agent' }).click();
    await expect.poll(() => view.getByRole('status').textContent()).toContain('handed back');
    await expect.poll(() => view.locator('[data-run-status]').getAttribute('data-run-status'), { timeout: 15_000 }).toBe('completed');
    expect(await test.settled(run.id)).toMatchObject({ status: 'completed', output: 'Thanks for waiting: anything else I can do?' });
    // Handed back, it takes no more replies.
    expect(await view.getByRole('button', { name: 'Send reply' }).count()).toBe(0);
  });
});
