import type { DashboardPage } from '../dashboard-types.ts';
import { html } from '../html.ts';
import { layout } from '../layout.ts';
import { requirePermission } from '../session.ts';

export const alertsPage: DashboardPage = {
  name: 'alerts',
  register(ui) {
    ui.get('/alerts', (c) => {
      requirePermission(c, 'alerts:read');
      return c.html(layout(c, { title: 'Alerts', current: 'alerts', body: html`<p>Coming.</p>` }));
    });
  },
};
