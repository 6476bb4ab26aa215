import type { RouteModule } from '../server-types.ts';
import { approvalRoutes } from './approvals.ts';
import { alertRoutes } from './alerts.ts';
import { budgetRoutes } from './budgets.ts';
import { chatCompletionRoutes } from './chat-completions.ts';
import { escalationRoutes } from './escalations.ts';
import { feedbackRoutes } from './feedback.ts';
import { healthRoutes } from './health.ts';
import { metricsRoutes } from './metrics.ts';
import { modelRoutes } from './models.ts';
import { openApiRoutes } from './openapi.ts';
import { policyRoutes } from './policies.ts';
import { runEventRoutes } from './run-events.ts';
import { runRoutes } from './runs.ts';
import { sessionRoutes } from './sessions.ts';
import { usageRoutes } from './usage.ts';

/**
 * Every endpoint module the server mounts, in order. A new resource is one file in this folder
 * exporting a `RouteModule`, and one line here. `openApiRoutes` stays last: it describes the
 * routes registered before it.
 */
export const routeModules: readonly RouteModule[] = [
  healthRoutes,
  runRoutes,
  runEventRoutes,
  sessionRoutes,
  chatCompletionRoutes,
  modelRoutes,
  usageRoutes,
  budgetRoutes,
  approvalRoutes,
  escalationRoutes,
  feedbackRoutes,
  policyRoutes,
  alertRoutes,
  metricsRoutes,
  openApiRoutes,
];
