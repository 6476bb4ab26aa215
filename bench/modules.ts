import { approvals } from './approvals.ts';
import { auditBench } from './audit.ts';
import { bytesPerStep } from './bytes-per-step.ts';
import { credentialResolve } from './credential-resolve.ts';
import { dashboardPages } from './dashboard-pages.ts';
import { devRestart } from './dev-restart.ts';
import { durableStep } from './durable-step.ts';
import { engineUnderIo } from './engine-under-io.ts';
import { gatewayLatency } from './gateway-latency.ts';
import { guardrailChecks } from './guardrail-checks.ts';
import { guardrailDetectors } from './guardrail-detectors.ts';
import { guardrailOverhead } from './guardrail-overhead.ts';
import { langGraphComparison } from './langgraph-comparison.ts';
import { metricsScrape } from './metrics-scrape.ts';
import type { BenchModule } from './lib/report.ts';
import { postgresSteps } from './postgres-steps.ts';
import { serverLoad } from './server-load.ts';
import { tracingOverhead } from './tracing-overhead.ts';
import { turnFloor } from './turn-floor.ts';

/** Every bench, in the order `npm run bench` runs them. */
export const benchModules: readonly BenchModule[] = [
  durableStep,
  bytesPerStep,
  langGraphComparison,
  turnFloor,
  engineUnderIo,
  gatewayLatency,
  serverLoad,
  postgresSteps,
  guardrailDetectors,
  guardrailChecks,
  guardrailOverhead,
  approvals,
  tracingOverhead,
  metricsScrape,
  dashboardPages,
  credentialResolve,
  auditBench,
  devRestart,
];
