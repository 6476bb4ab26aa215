import type { Fence, RunPatch } from './store.ts';

/**
 * The parameters of a fenced append's run-row update, the same for every adapter: the fence
 * (epoch and expected last sequence number), the new last sequence number, and the patch with
 * each field either set or left as it is (`set_*` flags tell "set to null" from "unchanged").
 * JSON fields are encoded here; adapters bind booleans as their driver wants.
 */
export interface FencedUpdateValues {
  run_id: string;
  epoch: number;
  last_seq: number;
  new_last_seq: number;
  now: string;
  status: string | null;
  set_waiting_reason: boolean;
  waiting_reason: string | null;
  output: string | null;
  set_error: boolean;
  error: string | null;
  usage: string | null;
  started_at: string | null;
  ended_at: string | null;
  cost_nano_usd: number | null;
  release_reservations: boolean;
  release_lease: boolean;
}

/**
 * @example
 * const row = statements.fencedUpdate.get(sqliteBooleans(fencedUpdateValues(fence, events.length, patch)));
 */
export function fencedUpdateValues(fence: Fence, eventCount: number, patch: RunPatch): FencedUpdateValues {
  return {
    run_id: fence.runId,
    epoch: fence.epoch,
    last_seq: fence.lastSeq,
    new_last_seq: fence.lastSeq + eventCount,
    now: fence.now.toISOString(),
    status: patch.status ?? null,
    set_waiting_reason: patch.waitingReason !== undefined,
    waiting_reason: patch.waitingReason ?? null,
    output: patch.output === undefined ? null : JSON.stringify(patch.output),
    set_error: patch.error !== undefined,
    error: patch.error == null ? null : JSON.stringify(patch.error),
    usage: patch.usage === undefined ? null : JSON.stringify(patch.usage),
    started_at: patch.startedAt?.toISOString() ?? null,
    ended_at: patch.endedAt?.toISOString() ?? null,
    cost_nano_usd: patch.costNanoUsd ?? null,
    release_reservations: patch.releaseReservations === true,
    release_lease: patch.releaseLease === true,
  };
}
