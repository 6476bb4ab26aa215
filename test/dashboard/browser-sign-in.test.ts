import { afterEach, describe, expect, it } from 'vitest';
import { createDashboardTestApp, openDashboardBrowser, type DashboardBrowser, type DashboardTestApp } from './dashboard-fixture.ts';

let test: DashboardTestApp | undefined;
let browser: DashboardBrowser | undefined;
afterEach(async () => {
  await browser?.close();
  await test?.close();
  [test, browser] = [undefined, undefined];
});

describe('dashboard sign-in in Chromium', () => {
  it('signs in with a key, shows the navigation, and signs out', async () => {
    test = await createDashboardTestApp();
    browser = await openDashboardBrowser(test);
    const { page, url } = browser;
    await page.goto(`${url}/ui/runs`);
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    await page.getByLabel('API key').fill('keel_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');
    await browser.signIn('admin');
    const nav = page.getByRole('navigation', { name: 'Dashboard' });
    for (const name of ['Overview', 'Runs', 'Approvals', 'Escalations', 'Usage & budgets', 'Alerts']) {
      await expect.poll(() => nav.getByRole('link', { name }).count()).toBe(1);
    }
    const cookies = await browser.context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'keel_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${url}/ui/sign-in`);
    expect((await browser.context.cookies()).some((cookie) => cookie.name === 'keel_session')).toBe(false);
  });
});
