import { afterEach, describe, expect, it } from 'vitest';
import type { FakeTurn } from '../../src/testing/index.ts';
import { createDashboardTestApp, openDashboardBrowser, type DashboardBrowser, type DashboardTestApp } from './dashboard-fixture.ts';

let test: DashboardTestApp | undefined;
let browser: DashboardBrowser | undefined;
afterEach(async () => {
  await browser?.close();
  await test?.close();
  [test, browser] = [undefined, undefined];
});

/** A model that answers only once the test opens the gate: the run stays in flight while the page watches it. */
function gatedModel() {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const responder = async (request: { messages: Array<{ role: string }> }): Promise<FakeTurn> => {
    if (!request.messages.some((message) => message.role === 'tool')) {
      return { text: 'Let me check.', toolCalls: [{ name: 'lookup', arguments: { order: 'A-1' } }] };
    }
    await gate;
    return { text: 'Your order <b>A-1</b> has shipped.' };
  };
  return { responder, open: () => open() };
}

describe('dashboard in Chromium: a run, live', () => {
  it('shows a new run appear in the runs list, follows its timeline live to the end, and charts it on the overview', async () => {
    const model = gatedModel();
    test = await createDashboardTestApp({ responder: model.responder });
    browser = await openDashboardBrowser(test);
    const { page, url } = browser;
    // Anything the Content-Security-Policy blocked, or a script error, would show here.
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await browser.signIn('viewer');

    await page.goto(`${url}/ui/runs`);
    await expect.poll(() => page.locator('#run-rows').textContent()).toContain('No runs match');
    const started = await test.app.request('/v1/runs', {
      method: 'POST',
      headers: { authorization: `Bearer ${test.keys.app}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent: 'support', input: 'Where is order A-1?', userId: 'user-7' }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };

    // The list refreshes itself: the run appears, still running (the model waits at the gate).
    const row = page.locator(`tr[data-run-id="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await expect.poll(() => row.locator('.status').textContent(), { timeout: 15_000 }).toMatch(/running|queued/);

    await row.getByRole('link', { name: id }).click();
    await page.waitForURL(`${url}/ui/runs/${id}`);
    await expect.poll(() => page.locator('#live-note').textContent()).toBe('live');
    await expect.poll(() => page.locator('#timeline').textContent(), { timeout: 15_000 }).toContain('Tool result: lookup');

    model.open();
    await expect.poll(() => page.locator('#live-note').textContent(), { timeout: 15_000 }).toBe('finished');
    const timeline = page.locator('#timeline');
    expect(await timeline.textContent()).toContain('Run completed');
    expect(await timeline.textContent()).toContain('Model call: openai:fake-model');
    expect(await page.locator('#run-facts .status').textContent()).toBe('completed');
    // The model's markup is shown as text, never parsed.
    expect(await page.locator('#timeline b').count()).toBe(0);
    expect(await timeline.textContent()).toContain('<b>A-1</b>');

    await page.goto(`${url}/ui/runs`);
    await expect.poll(() => row.locator('.status').textContent()).toBe('completed');

    await page.goto(`${url}/ui/`);
    const volume = page.locator('#chart-volume');
    await expect.poll(() => volume.getAttribute('data-drawn')).toBe('true');
    expect(await volume.locator('canvas').count()).toBe(1);
    expect(await page.locator('#chart-latency .u-legend').textContent()).toContain('support · openai:fake-model p95');
    expect(problems).toEqual([]);
    // No request ever left the dashboard's origin.
    expect(requests.filter((address) => !address.startsWith(url))).toEqual([]);
  });
});
