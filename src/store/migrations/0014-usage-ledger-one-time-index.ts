import type { Migration } from './migration.ts';

/*
 * Every model call's commit writes its ledger row to the `usage` table and to each of its
 * indexes: on SQLite, three of the seven or so pages a turn's commit writes to the WAL. Two of
 * them are indexes of time: `usage_tenant_at` (one tenant's calls in a range: budgets, the usage
 * API, the dashboard) and `usage_at` (every tenant's calls in a range: the p95 latency rule,
 * migration 9).
 *
 * SQLite now answers the latency rule through `usage_tenant_at` too, one range per tenant, the
 * tenants found by skipping through the same index (`latencyPercentiles`), so `usage_at` goes:
 * one page less per model call, and less for each checkpoint to copy. PostgreSQL keeps it: its
 * commits write whole index pages to no WAL of this kind, and its planner has no loose index
 * scan to lean on.
 */
export const usageLedgerOneTimeIndex: Migration = {
  version: 14,
  name: 'usage-ledger-one-time-index',
  sql: {
    sqlite: `
DROP INDEX usage_at;
`,
    postgres: `
SELECT 1;
`,
  },
};
