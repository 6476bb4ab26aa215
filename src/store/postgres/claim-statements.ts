import { defaultLimitsTenant } from '../limits-store.ts';
import { namedSql } from './named-sql.ts';
import { leaseColumns } from '../run-columns.ts';
import { unfinished, wantsWorker } from './run-statements.ts';

/**
 * A run may be claimed when it wants a worker (or is waiting and the caller asked for waiting
 * runs), nobody holds a live lease on it, and no older unfinished run of its session is ahead of
 * it: a session runs one run at a time, in order.
 */
const claimableRow = `
  (${wantsWorker} OR (runs.status = 'waiting' AND :include_waiting::boolean))
  AND (runs.lease_expires_at IS NULL OR runs.lease_expires_at <= :now::timestamptz)`;
const claimable = `${claimableRow}
  AND NOT EXISTS (
    SELECT 1 FROM runs AS ahead
    WHERE ahead.tenant_id = runs.tenant_id AND ahead.session_id = runs.session_id
      AND ahead.creation_order < runs.creation_order AND ahead.${unfinished})`;

/** A tenant's cap: its own setting, else the default row's; NULL when neither sets one. */
const capOf = (tenant: string) => `(
  SELECT COALESCE(
    (SELECT max_concurrent_runs FROM tenant_limits WHERE tenant_id = ${tenant}),
    (SELECT max_concurrent_runs FROM tenant_limits WHERE tenant_id = '${defaultLimitsTenant}')))`;

/** What a claim sets: the lease, and `running` for a queued run (it shows as running from its claim). */
const lease =
  "lease_owner = :owner, lease_epoch = lease_epoch + 1, lease_expires_at = :expires_at::timestamptz, status = CASE WHEN status = 'queued' THEN 'running' ELSE status END";

/*
 * The PostgreSQL spelling of the fair, capped claim in `sqlite/claim-statements.ts` (read the
 * ranking explained there, and ADR 0003); it must run after `claimLock` in the same
 * transaction, which is what makes the cap exact across nodes.
 *
 * The final UPDATE repeats the row-local conditions: a row changed by a statement that does
 * not take the claim lock (an append ending the run, a renewal) after this statement's
 * snapshot is re-checked against its committed version (READ COMMITTED re-evaluates the WHERE
 * of an UPDATE that waited for a row lock), so a run that just ended is never leased.
 */
export const claimSql = {
  claimRunnable: namedSql(
    `
    WITH executing AS MATERIALIZED (
      SELECT tenant_id, user_id, COUNT(*) AS load FROM runs
      WHERE runs.lease_expires_at > :now::timestamptz AND ${wantsWorker}
      GROUP BY tenant_id, user_id),
    candidates AS MATERIALIZED (
      SELECT runs.creation_order, runs.tenant_id, runs.cancel_requested,
        ROW_NUMBER() OVER (PARTITION BY runs.tenant_id, runs.user_id ORDER BY runs.creation_order)
          + COALESCE(executing.load, 0) AS user_turn
      FROM runs
      LEFT JOIN executing ON executing.tenant_id = runs.tenant_id AND executing.user_id = runs.user_id
      WHERE ${claimable}),
    tenants AS MATERIALIZED (
      SELECT waiting.tenant_id, ${capOf('waiting.tenant_id')} AS cap,
        COALESCE((SELECT SUM(executing.load) FROM executing WHERE executing.tenant_id = waiting.tenant_id), 0) AS executing
      FROM (SELECT DISTINCT tenant_id FROM candidates) AS waiting),
    ranked AS (
      SELECT candidates.creation_order, candidates.cancel_requested, candidates.user_turn, tenants.cap,
        ROW_NUMBER() OVER (PARTITION BY candidates.tenant_id, candidates.cancel_requested ORDER BY candidates.user_turn, candidates.creation_order)
          + tenants.executing AS tenant_turn
      FROM candidates JOIN tenants ON tenants.tenant_id = candidates.tenant_id),
    picked AS (
      SELECT creation_order FROM ranked
      WHERE cancel_requested OR cap IS NULL OR tenant_turn <= cap
      ORDER BY tenant_turn, user_turn, creation_order
      LIMIT :limit::integer)
    UPDATE runs SET ${lease}
    WHERE creation_order IN (SELECT creation_order FROM picked) AND ${claimableRow}
    RETURNING ${leaseColumns}, creation_order`,
    { prepare: 'keel_claim_runnable' },
  ),

  // `busy`: the tenant's runs executing now, the same test as `executing` in the fair claim.
  claimRun: namedSql(`
    UPDATE runs SET ${lease}
    WHERE id = :run_id AND ${claimable}
      -- A waiting run claimed to record a person's decision is not executed: no slot of the cap.
      AND (runs.cancel_requested OR (runs.status = 'waiting' AND :include_waiting::boolean)
        OR ${capOf('runs.tenant_id')} IS NULL
        OR (SELECT COUNT(*) FROM runs AS busy
            WHERE busy.tenant_id = runs.tenant_id AND busy.lease_expires_at > :now::timestamptz
              AND ${wantsWorker.replaceAll('runs.', 'busy.')}) < ${capOf('runs.tenant_id')})
    RETURNING ${leaseColumns}`),

  // One statement for any number of leases: the held leases arrive as two parallel arrays.
  renewLeases: namedSql(`
    UPDATE runs SET lease_expires_at = :expires_at::timestamptz
    FROM unnest(:run_ids::text[], :epochs::bigint[]) AS held (run_id, epoch)
    WHERE runs.id = held.run_id AND runs.lease_epoch = held.epoch AND runs.lease_owner = :owner
    RETURNING runs.id AS id, runs.cancel_requested AS cancel_requested`),
  // What the claim could find, read before it without the claim lock (see claims.ts). Ordered
  // as the runs_claim index is, so the planner reads the index instead of scanning the table.
  claimableRuns: namedSql(`SELECT id FROM runs WHERE ${claimable} ORDER BY runs.status, runs.lease_expires_at LIMIT 2`),
  countLiveLeases: namedSql(`SELECT COUNT(*) AS count FROM runs WHERE ${wantsWorker} AND runs.lease_expires_at > :now::timestamptz`),
  releaseLease: namedSql('UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL WHERE id = :run_id AND lease_epoch = :epoch::bigint'),
  releaseLeasesOf: namedSql('UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = :owner RETURNING id'),
} as const;
