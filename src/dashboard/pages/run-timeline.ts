import type { DashboardPage } from '../dashboard-types.ts';
import { html } from '../html.ts';
import { layout } from '../layout.ts';
import { requirePermission } from '../session.ts';

export const runTimelinePage: DashboardPage = {
  name: 'run-timeline',
  register(ui) {
    ui.get('/runs/:id', (c) => {
      requirePermission(c, 'runs:read');
      return c.html(layout(c, { title: 'Run', current: 'runs', body: html`<p>Coming.</p>` }));
    });
  },
};
