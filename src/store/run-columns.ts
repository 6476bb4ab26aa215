import { KeelError } from '../errors/index.ts';
import type { Fence } from './store.ts';

/** The `runs` columns every adapter reads into a RunRecord; lease columns come on top where a lease is returned. */
export const runColumns =
  'id, tenant_id, agent, session_id, user_id, status, waiting_reason, input, output, error, usage, metadata, ' +
  'idempotency_key, cancel_requested, last_seq, created_at, updated_at, started_at, ended_at, cost_nano_usd, erased_at, traceparent';
export const leaseColumns = `${runColumns}, lease_owner, lease_epoch, lease_expires_at`;

/**
 * Why a fenced append wrote nothing, for whoever debugs it (read off the hot path): the run is
 * gone, or its lease epoch or last sequence number moved on.
 */
export function fenceError(fence: Fence, current: { epoch: number; lastSeq: number } | undefined): KeelError {
  if (current === undefined) return new KeelError({ code: 'RUN_NOT_FOUND', message: `No run with id "${fence.runId}"` });
  return new KeelError({
    code: 'LEASE_LOST',
    message: `The lease on run "${fence.runId}" was lost: another worker claimed it or its journal moved on`,
    details: { runId: fence.runId, epoch: fence.epoch, currentEpoch: current.epoch, lastSeq: fence.lastSeq, currentLastSeq: current.lastSeq },
  });
}
