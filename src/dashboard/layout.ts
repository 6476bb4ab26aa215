import type { Context } from 'hono';
import type { Permission } from '../server/auth/permissions.ts';
import { roleHas } from '../server/auth/permissions.ts';
import type { DashboardEnv } from './dashboard-types.ts';
import { html, type Html } from './html.ts';

/** The pages in the navigation, in order. `current` in {@link layout} marks one of them. */
export type NavKey = 'overview' | 'runs' | 'approvals' | 'escalations' | 'usage' | 'alerts';

const navigation: ReadonlyArray<{ key: NavKey; label: string; href: string; permission: Permission }> = [
  { key: 'overview', label: 'Overview', href: '/ui/', permission: 'runs:read' },
  { key: 'runs', label: 'Runs', href: '/ui/runs', permission: 'runs:read' },
  { key: 'approvals', label: 'Approvals', href: '/ui/approvals', permission: 'approvals:read' },
  { key: 'escalations', label: 'Escalations', href: '/ui/escalations', permission: 'escalations:read' },
  { key: 'usage', label: 'Usage & budgets', href: '/ui/usage', permission: 'usage:read' },
  { key: 'alerts', label: 'Alerts', href: '/ui/alerts', permission: 'alerts:read' },
];

export interface PageOptions {
  /** The page's `<title>` and `<h1>`. */
  title: string;
  /** The navigation entry to mark as the current page. */
  current?: NavKey;
  body: Html;
  /**
   * Scripts of `/ui/assets/` this page needs besides htmx (`['uplot.min.js', 'charts.js']`).
   * Loaded with `defer`, in order; inline scripts are refused by the Content-Security-Policy.
   */
  scripts?: readonly string[];
  /** Stylesheets of `/ui/assets/` besides `dashboard.css` (`['uplot.min.css']`). */
  styles?: readonly string[];
}

/**
 * A whole dashboard page: head, a skip link, the navigation (the entries the signed-in role may
 * open, and a sign-out button), and `body` under the page's `<h1>`.
 *
 * @example
 * return c.html(layout(c, { title: 'Runs', current: 'runs', body: html`<table>…</table>` }));
 */
export function layout(c: Context<DashboardEnv>, page: PageOptions): Html {
  const principal = c.get('principal') as DashboardEnv['Variables']['principal'] | undefined;
  const links = principal === undefined ? [] : navigation.filter((entry) => roleHas(principal.role, entry.permission));
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${page.title} · Keel</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/ui/assets/dashboard.css" />
        ${(page.styles ?? []).map((name) => html`<link rel="stylesheet" href="/ui/assets/${name}" />`)}
        <script src="/ui/assets/htmx.min.js" defer></script>
        ${(page.scripts ?? []).map((name) => html`<script src="/ui/assets/${name}" defer></script>`)}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/ui/">Keel</a>
          ${
            principal === undefined
              ? ''
              : html`<nav aria-label="Dashboard">
                    <ul>
                      ${links.map(
                        (entry) => html`<li><a href="${entry.href}" ${entry.key === page.current ? html` aria-current="page"` : ''}>${entry.label}</a></li>`,
                      )}
                    </ul>
                  </nav>
                  <form class="sign-out" method="post" action="/ui/sign-out">
                    <span class="who">${principal.tenantId} · ${principal.role}</span>
                    <button type="submit">Sign out</button>
                  </form>`
          }
        </header>
        <main id="main" tabindex="-1">
          <h1>${page.title}</h1>
          ${page.body}
        </main>
      </body>
    </html>`;
}
