import { initialSchema } from './0001-initial-schema.ts';
import { apiKeys } from './0002-api-keys.ts';
import { tenantLimits } from './0003-tenant-limits.ts';
import { costControl } from './0004-cost-control.ts';
import { modelResponseCache } from './0005-model-response-cache.ts';
import { sessionErasure } from './0006-session-erasure.ts';
import { apiKeyCreationOrder } from './0007-api-key-creation-order.ts';
import { oversight } from './0008-oversight.ts';
import { observability } from './0009-observability.ts';
import { vaultAndAudit } from './0010-vault-and-audit.ts';
import { dashboardSessions } from './0011-dashboard-sessions.ts';
import { runsEndedPerTenant } from './0012-runs-ended-per-tenant.ts';
import { usagePerDay } from './0013-usage-per-day.ts';
import { usageLedgerOneTimeIndex } from './0014-usage-ledger-one-time-index.ts';
import { sessionMessagesPerRun } from './0015-session-messages-per-run.ts';
import type { Migration } from './migration.ts';

export { schemaMigrationsTable } from './migration.ts';
export type { Dialect, Migration } from './migration.ts';

/**
 * Every migration, in version order: one file per schema change (`NNNN-name.ts`), each with the
 * SQL of both dialects side by side. Append-only: a shipped migration is never edited.
 */
export const migrations: readonly Migration[] = [
  initialSchema,
  apiKeys,
  tenantLimits,
  costControl,
  modelResponseCache,
  sessionErasure,
  apiKeyCreationOrder,
  oversight,
  observability,
  vaultAndAudit,
  dashboardSessions,
  runsEndedPerTenant,
  usagePerDay,
  usageLedgerOneTimeIndex,
  sessionMessagesPerRun,
];
