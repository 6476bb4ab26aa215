import type { DashboardPage } from '../dashboard-types.ts';
import { html } from '../html.ts';
import { layout } from '../layout.ts';
import { requirePermission } from '../session.ts';

export const overviewPage: DashboardPage = {
  name: 'overview',
  register(ui) {
    ui.get('/', (c) => {
      requirePermission(c, 'runs:read');
      return c.html(layout(c, { title: 'Overview', current: 'overview', body: html`<p>Charts arrive here.</p>` }));
    });
  },
};
