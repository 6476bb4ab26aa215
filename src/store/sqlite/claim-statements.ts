import { defaultLimitsTenant } from '../limits-store.ts';
import { leaseColumns } from '../run-columns.ts';

/**
 * What a claim sets: the lease, and `running` for a queued run — a run a worker holds shows as
 * running from its claim, not only from its first commit.
 */
const claimedColumns =
  "lease_owner = :owner, lease_epoch = lease_epoch + 1, lease_expires_at = :expires_at, status = CASE WHEN status = 'queued' THEN 'running' ELSE status END";

/** The SQL fragments `statements.ts` defines for every claim. */
export interface ClaimFragments {
  /** Runs that want a worker, written against the table name `runs`. */
  wantsWorker: string;
  /** Runs that may be claimed at `:now`, written against the table name `runs`. */
  claimable: string;
}

/** A tenant's cap: its own setting, else the default row's; NULL when neither sets one. */
const capOf = (tenant: string) => `(
  SELECT COALESCE(
    (SELECT max_concurrent_runs FROM tenant_limits WHERE tenant_id = ${tenant}),
    (SELECT max_concurrent_runs FROM tenant_limits WHERE tenant_id = '${defaultLimitsTenant}')))`;

/**
 * The fair, capped claim (ADR 0003). In one statement, inside the caller's write transaction:
 *
 * 1. `executing`: runs with a live lease, per tenant and user: the load each already has.
 * 2. `candidates`: claimable runs, each with its user's turn: its rank in the user's own queue
 *    (oldest first) plus the runs that user already has executing. A user with 200 queued runs
 *    and 8 executing has turns 9, 10, …; a user with one queued run and none executing, turn 1.
 * 3. `ranked`: within each tenant, candidates ordered by turn, then age: the tenant's picks.
 *    Runs whose cancellation was requested are ranked apart: they bypass the cap.
 * 4. A tenant's pick number plus its executing runs must stay within its cap, and tenants take
 *    turns the same way users do: ordering by that sum serves the least-loaded tenant first.
 *
 * So one user's or tenant's burst waits behind everyone else's first run, whatever the order
 * the runs were created in, and no claim can take a tenant past its cap. Both dialects have
 * window functions; PostgreSQL must serialise claims (an advisory lock) for the cap to hold,
 * as SQLite does with its write lock (ADR 0003).
 */
export function fairClaimRunnableSql({ wantsWorker, claimable }: ClaimFragments): string {
  // MATERIALIZED: each CTE is computed once. Left to the planner, `executing` could be re-run
  // for every candidate, making a claim quadratic in the queue.
  return `
    WITH executing AS MATERIALIZED (
      SELECT tenant_id, user_id, COUNT(*) AS runs FROM runs
      WHERE runs.lease_expires_at > :now AND ${wantsWorker}
      GROUP BY tenant_id, user_id),
    candidates AS MATERIALIZED (
      SELECT runs.creation_order, runs.tenant_id, runs.cancel_requested,
        ROW_NUMBER() OVER (PARTITION BY runs.tenant_id, runs.user_id ORDER BY runs.creation_order)
          + COALESCE(executing.runs, 0) AS user_turn
      -- Pinned: left to itself the planner walks runs_tenant_order (every run ever created) to
      -- save the window function a sort; runs_claim reads only the unfinished ones.
      FROM runs INDEXED BY runs_claim
      LEFT JOIN executing ON executing.tenant_id = runs.tenant_id AND executing.user_id = runs.user_id
      WHERE ${claimable}),
    tenants AS MATERIALIZED (
      SELECT waiting.tenant_id, ${capOf('waiting.tenant_id')} AS cap,
        COALESCE((SELECT SUM(runs) FROM executing WHERE executing.tenant_id = waiting.tenant_id), 0) AS executing
      FROM (SELECT DISTINCT tenant_id FROM candidates) AS waiting),
    ranked AS (
      SELECT candidates.creation_order, candidates.cancel_requested, candidates.user_turn, tenants.cap,
        ROW_NUMBER() OVER (PARTITION BY candidates.tenant_id, candidates.cancel_requested ORDER BY candidates.user_turn, candidates.creation_order)
          + tenants.executing AS tenant_turn
      FROM candidates JOIN tenants ON tenants.tenant_id = candidates.tenant_id),
    picked AS (
      SELECT creation_order FROM ranked
      WHERE cancel_requested = 1 OR cap IS NULL OR tenant_turn <= cap
      ORDER BY tenant_turn, user_turn, creation_order
      LIMIT :limit)
    UPDATE runs SET ${claimedColumns}
    WHERE creation_order IN (SELECT creation_order FROM picked)
    RETURNING ${leaseColumns}, creation_order`;
}

/** Claims one run, if it is claimable and its tenant has room under its cap. */
export function cappedClaimRunSql({ wantsWorker, claimable }: ClaimFragments): string {
  // `busy`: the tenant's runs executing now, the same test as `executing` in the fair claim.
  return `
    UPDATE runs SET ${claimedColumns}
    WHERE id = :run_id AND ${claimable}
      AND (runs.cancel_requested = 1
        -- A waiting run claimed to record a person's decision is not executed: no slot of the cap.
        OR (runs.status = 'waiting' AND :include_waiting = 1)
        OR ${capOf('runs.tenant_id')} IS NULL
        OR (SELECT COUNT(*) FROM runs AS busy
            WHERE busy.tenant_id = runs.tenant_id AND busy.lease_expires_at > :now
              AND ${wantsWorker.replaceAll('runs.', 'busy.')}) < ${capOf('runs.tenant_id')})
    RETURNING ${leaseColumns}`;
}
