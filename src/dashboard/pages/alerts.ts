import { z } from 'zod';
import type { DashboardPage } from '../dashboard-types.ts';
import { formatTime, jsonBlock } from '../format.ts';
import { html } from '../html.ts';
import { layout } from '../layout.ts';
import { parseQuery } from '../query-input.ts';
import { requirePermission } from '../session.ts';

const AlertsQuery = z.object({ cursor: z.string().max(500).optional() }).strict();

/**
 * `GET /ui/alerts`: the alerts recorded for the tenant and the deployment-wide ones (spend
 * alerts and alert rules), newest first, in keyset pages, with `alerts:read` as
 * `GET /v1/alerts` needs.
 */
export const alertsPage: DashboardPage = {
  name: 'alerts',
  register(ui, context) {
    ui.get('/alerts', async (c) => {
      requirePermission(c, 'alerts:read');
      const { cursor } = parseQuery(AlertsQuery, c.req.queries());
      const page = await context.store.listAlerts({ tenantId: c.get('principal').tenantId, limit: 50, ...(cursor === undefined ? {} : { cursor }) });
      const body = html`<table>
          <caption>
            Alerts, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Kind</th>
              <th scope="col">Scope</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            ${
              page.alerts.length === 0
                ? html`<tr>
                    <td colspan="4" class="muted">No alerts have fired.</td>
                  </tr>`
                : ''
            }
            ${page.alerts.map(
              (alert) =>
                html`<tr>
                  <td>${formatTime(alert.at)}</td>
                  <td><code>${alert.kind}</code></td>
                  <td>${alert.tenantId === '*' ? 'deployment' : 'tenant'}</td>
                  <td>
                    <details>
                      <summary>${summaryOf(alert.payload)}</summary>
                      ${jsonBlock(alert.payload, 'Alert details')}
                    </details>
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
        <nav class="pager" aria-label="Pages">
          ${cursor === undefined ? '' : html`<a href="/ui/alerts">Newest</a>`}
          ${page.nextCursor === undefined ? '' : html`<a rel="next" href="/ui/alerts?cursor=${encodeURIComponent(page.nextCursor)}">Older alerts</a>`}
        </nav>`;
      return c.html(layout(c, { title: 'Alerts', current: 'alerts', body }));
    });
  },
};

/** A one-line summary of an alert's payload: its message when it has one, else its subject. */
function summaryOf(payload: Record<string, unknown>): string {
  for (const key of ['message', 'summary', 'reason', 'subject']) {
    const value = payload[key];
    if (typeof value === 'string' && value !== '') return value.length > 160 ? `${value.slice(0, 160)}…` : value;
  }
  return 'Details';
}
