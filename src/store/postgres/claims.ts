import type { Pool } from 'pg';
import type { ClaimOptions, Lease } from '../store.ts';
import { claimLock } from './advisory-locks.ts';
import { claimSql } from './claim-statements.ts';
import { query, queryOne } from './named-sql.ts';
import { inTransaction } from './open-pool.ts';
import { boolean, integer, text, toLease } from './rows.ts';

/*
 * Claims take the claim lock at BEGIN (one message for both), run one statement, and commit:
 * three round trips, the lock held for one statement. Renewals and releases need no lock: they
 * are fenced by owner and epoch, and only ever shorten a tenant's load or keep it.
 */

export async function claimRunnable(pool: Pool, claim: ClaimOptions & { limit: number }): Promise<Lease[]> {
  if (claim.limit < 1) return [];
  // Most claims (every worker's poll) find nothing, most others one run. Read first without the
  // claim lock: the cluster-wide lock is taken only when there is something to claim (an empty
  // answer here is the one the claim would give at this instant; a run queued just after is the
  // next claim's), and a single run is claimed by the capped claim of that run, which decides
  // exactly as the fair claim would for a queue of one.
  const seen = await query(pool, claimSql.claimableRuns, { now: claim.now.toISOString(), include_waiting: false });
  if (seen.length === 0) return [];
  const [only] = seen;
  if (seen.length === 1 && only !== undefined) {
    const lease = await claimRun(pool, text(only, 'id'), claim);
    return lease === undefined ? [] : [lease];
  }
  const rows = await inTransaction(
    pool,
    (client) => query(client, claimSql.claimRunnable, { ...leaseValues(claim), limit: claim.limit, include_waiting: false }),
    claimLock,
  );
  // RETURNING gives no order guarantee; hand leases out oldest first.
  rows.sort((a, b) => integer(a, 'creation_order') - integer(b, 'creation_order'));
  return rows.map(toLease);
}

export async function claimRun(pool: Pool, runId: string, claim: ClaimOptions & { includeWaiting?: boolean }): Promise<Lease | undefined> {
  const [row] = await inTransaction(
    pool,
    (client) => query(client, claimSql.claimRun, { ...leaseValues(claim), run_id: runId, include_waiting: claim.includeWaiting === true }),
    claimLock,
  );
  return row === undefined ? undefined : toLease(row);
}

export async function renewLeases(
  pool: Pool,
  owner: string,
  leases: Array<{ runId: string; epoch: number }>,
  renewal: { leaseMs: number; now: Date },
): Promise<{ lost: string[]; cancelRequested: string[] }> {
  if (leases.length === 0) return { lost: [], cancelRequested: [] };
  const held = await query(pool, claimSql.renewLeases, {
    owner,
    expires_at: new Date(renewal.now.getTime() + renewal.leaseMs).toISOString(),
    run_ids: leases.map((lease) => lease.runId),
    epochs: leases.map((lease) => lease.epoch),
  });
  const renewed = new Set(held.map((row) => text(row, 'id')));
  return {
    lost: leases.filter((lease) => !renewed.has(lease.runId)).map((lease) => lease.runId),
    cancelRequested: held.filter((row) => boolean(row, 'cancel_requested')).map((row) => text(row, 'id')),
  };
}

export async function countLiveLeases(pool: Pool, now: Date): Promise<number> {
  return integer(await queryOne(pool, claimSql.countLiveLeases, { now: now.toISOString() }), 'count');
}

export async function releaseLease(pool: Pool, runId: string, epoch: number): Promise<void> {
  await query(pool, claimSql.releaseLease, { run_id: runId, epoch });
}

function leaseValues(claim: ClaimOptions): { owner: string; now: string; expires_at: string } {
  return {
    owner: claim.owner,
    now: claim.now.toISOString(),
    expires_at: new Date(claim.now.getTime() + claim.leaseMs).toISOString(),
  };
}

export async function releaseLeasesOf(pool: Pool, owner: string): Promise<string[]> {
  const rows = await query(pool, claimSql.releaseLeasesOf, { owner });
  return rows.map((row) => text(row, 'id'));
}
