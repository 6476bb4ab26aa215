import type { DashboardPage } from '../dashboard-types.ts';
import { html } from '../html.ts';
import { layout } from '../layout.ts';
import { requirePermission } from '../session.ts';

export const usagePage: DashboardPage = {
  name: 'usage',
  register(ui) {
    ui.get('/usage', (c) => {
      requirePermission(c, 'usage:read');
      return c.html(layout(c, { title: 'Usage', current: 'usage', body: html`<p>Coming.</p>` }));
    });
  },
};
