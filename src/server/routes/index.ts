import type { RouteModule } from '../server-types.ts';
import { alertRoutes } from './alerts.ts';
import { approvalRoutes } from './approvals.ts';
import { auditRoutes } from './audit.ts';
import { budgetRoutes } from './budgets.ts';
import { chatCompletionRoutes } from './chat-completions.ts';
import { credentialRoutes } from './credentials.ts';
import { escalationRoutes } from './escalations.ts';
import { feedbackRoutes } from './feedback.ts';
import { healthRoutes } from './health.ts';
import { keyRoutes } from './keys.ts';
import { limitRoutes } from './limits.ts';
import { metricsRoutes } from './metrics.ts';
import { modelRoutes } from './models.ts';
import { oauthRoutes } from './oauth.ts';
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
  credentialRoutes,
  oauthRoutes,
  keyRoutes,
  limitRoutes,
  auditRoutes,
  openApiRoutes,
];
