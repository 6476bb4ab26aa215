import type { Hono } from 'hono';
import type { RouteContext, ServerEnv } from '../server/server-types.ts';

/**
 * Per-request values of a dashboard page. `principal` (from `ServerEnv`) is set by the session
 * middleware on every page but the sign-in page and the assets: a page handler can rely on it.
 * `cspNonce` is the nonce of this response's Content-Security-Policy, for the rare inline script.
 */
export interface DashboardEnv {
  Variables: ServerEnv['Variables'] & { cspNonce: string };
}

/** The Hono app mounted at `/ui`: pages register routes relative to it (`/runs` is `/ui/runs`). */
export type DashboardApp = Hono<DashboardEnv>;

/** What a page may use: the same runtime, store and settings as the API's routes. */
export type DashboardContext = RouteContext;

/**
 * One page (or a few that belong together): a file in `pages/` exporting this, plus one line in
 * `pages/index.ts`. Paths are relative to `/ui`.
 *
 * @example
 * export const thingsPage: DashboardPage = {
 *   name: 'things',
 *   register(ui, context) {
 *     ui.get('/things', async (c) => {
 *       requirePermission(c, 'runs:read');
 *       return c.html(layout(c, { title: 'Things', current: 'things', body: html`<p>…</p>` }));
 *     });
 *   },
 * };
 */
export interface DashboardPage {
  name: string;
  register(ui: DashboardApp, context: DashboardContext): void;
}
