import type { DashboardPage } from '../dashboard-types.ts';
import { alertsPage } from './alerts.ts';
import { approvalsPage } from './approvals.ts';
import { escalationsPage } from './escalations.ts';
import { overviewPage } from './overview.ts';
import { reviewerNamePage } from './reviewer-name.ts';
import { runTimelinePage } from './run-timeline.ts';
import { runsPage } from './runs.ts';
import { signInPage } from './sign-in.ts';
import { usagePage } from './usage.ts';

/**
 * Every dashboard page, in order. A new page is one file in this folder exporting a
 * `DashboardPage`, and one line here.
 */
export const dashboardPages: readonly DashboardPage[] = [
  signInPage,
  overviewPage,
  runsPage,
  runTimelinePage,
  approvalsPage,
  escalationsPage,
  reviewerNamePage,
  usagePage,
  alertsPage,
];
