import type { Migration } from './migration.ts';

/*
 * The dashboard's overview buckets one tenant's ended runs over a range (`runSeries`). Through
 * `runs_ended` (migration 9, by end time across tenants, which the alert rules need) it read every
 * tenant's runs in the range: a tenant with no runs waited on the others'. This index reaches one
 * tenant's ends directly. Partial like `runs_ended`, so runs in flight are not in it, and
 * `ended_at` is written once, at the run's end.
 */
export const runsEndedPerTenant: Migration = {
  version: 12,
  name: 'runs-ended-per-tenant',
  sql: {
    sqlite: `
CREATE INDEX runs_tenant_ended ON runs (tenant_id, ended_at) WHERE ended_at IS NOT NULL;
`,
    postgres: `
CREATE INDEX runs_tenant_ended ON runs (tenant_id, ended_at) WHERE ended_at IS NOT NULL;
`,
  },
};
