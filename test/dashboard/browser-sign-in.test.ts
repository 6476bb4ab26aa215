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
  it('signs in from the URL keel dev prints, with the key in the fragment, and drops the key from the address bar', async () => {
    test = await createDashboardTestApp({ worker: false });
    browser = await openDashboardBrowser(test);
    const { page, url } = browser;
    await page.goto(`${url}/ui/sign-in#key=${test.keys.viewer}`);
    await page.waitForURL(`${url}/ui/`);
    expect(page.url()).not.toContain('keel_');
    expect(await page.locator('.who').textContent()).toContain('viewer');
    await page.goBack();
    expect(page.url()).not.toContain('keel_');
  });

  it('can be used from the keyboard: a skip link first, then the navigation, each with a visible focus', async () => {
    test = await createDashboardTestApp({ worker: false });
    browser = await openDashboardBrowser(test);
    const { page, url } = browser;
    await browser.signIn('admin');
    await page.goto(`${url}/ui/runs`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#main$/);
    await page.goto(`${url}/ui/runs`);
    const focused: string[] = [];
    for (let index = 0; index < 8; index += 1) {
      await page.keyboard.press('Tab');
      focused.push(String(await page.evaluate('document.activeElement.textContent.trim()')));
      expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).not.toBe('none');
    }
    expect(focused).toEqual(['Skip to content', 'Keel', 'Overview', 'Runs', 'Approvals', 'Escalations', 'Usage & budgets', 'Alerts']);
    // Every form field has a label.
    const unlabelled = await page.evaluate(
      "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter((field) => field.labels.length === 0 && !field.getAttribute('aria-label')).length",
    );
    expect(unlabelled).toBe(0);
  });

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
    expect(session?.value).not.toContain(test.keys.admin);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${url}/ui/sign-in`);
    expect((await browser.context.cookies()).some((cookie) => cookie.name === 'keel_session')).toBe(false);
  });
});
