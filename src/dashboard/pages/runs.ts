import type { DashboardPage } from '../dashboard-types.ts';
import { html } from '../html.ts';
import { layout } from '../layout.ts';
import { requirePermission } from '../session.ts';

export const runsPage: DashboardPage = {
  name: 'runs',
  register(ui) {
    ui.get('/runs', (c) => {
      requirePermission(c, 'runs:read');
      return c.html(layout(c, { title: 'Runs', current: 'runs', body: html`<p>Coming.</p>` }));
    });
  },
};
