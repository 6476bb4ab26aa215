import { KeelError } from '../errors/index.ts';
import type { Store } from '../store/store.ts';
import type { JournalEvent } from '../journal/events.ts';
import type { Commit } from './commits.ts';
import { callsWithUnknownOutcome, foldJournal } from './fold.ts';

/**
 * What a person found out about an `unsafe` call left with an unknown outcome:
 * it took effect (`completed`, with what it returned), it failed, or it never took effect and
 * may run once more (`rerun`).
 */
export type OutcomeResolution =
  { callId: string; outcome: 'completed'; output?: unknown } | { callId: string; outcome: 'failed'; message: string } | { callId: string; outcome: 'rerun' };

export interface ResolveOutcomeOptions {
  store: Store;
  tenantId: string;
  runId: string;
  resolutions: OutcomeResolution[];
  /** Who decided, for the journal. */
  actor?: string;
  owner: string;
  leaseMs: number;
  now: Date;
}

/**
 * Journals a person's resolution of the calls a run is `waiting: outcome-unknown` on. Once every
 * unknown call is resolved the run is queued again, and any worker resumes it from the journal.
 */
export async function resolveOutcome(options: ResolveOutcomeOptions): Promise<Commit> {
  const { store, runId } = options;
  const run = await store.getRun(options.tenantId, runId);
  if (run === undefined) throw new KeelError({ code: 'RUN_NOT_FOUND', message: `No run with id "${runId}"` });
  if (run.status !== 'waiting' || run.waitingReason !== 'outcome-unknown') {
    throw new KeelError({
      code: 'RUN_NOT_WAITING',
      message: 'The run is not waiting for a tool outcome to be resolved',
      details: { status: run.status, waitingReason: run.waitingReason },
    });
  }
  if (options.resolutions.length === 0) throw new KeelError({ code: 'INPUT_INVALID', message: 'Give at least one resolution' });
  const lease = await store.claimRun(runId, { owner: options.owner, leaseMs: options.leaseMs, now: options.now, includeWaiting: true });
  if (lease === undefined) throw new KeelError({ code: 'RUN_NOT_WAITING', message: 'The run is being resumed elsewhere' });
  try {
    const state = foldJournal(await store.readJournal(runId));
    const unknown = callsWithUnknownOutcome(state);
    const events: JournalEvent[] = [];
    const resolved = new Set<string>();
    for (const resolution of options.resolutions) {
      const call = unknown.find((candidate) => candidate.intent.callId === resolution.callId);
      if (call === undefined || resolved.has(resolution.callId)) {
        throw new KeelError({
          code: 'INPUT_INVALID',
          message: `Call "${resolution.callId}" is not one whose outcome is unknown (or is resolved twice)`,
          details: { unknownCalls: unknown.map((candidate) => candidate.intent.callId) },
        });
      }
      resolved.add(resolution.callId);
      const { step, callId } = call.intent;
      if (resolution.outcome === 'rerun') {
        events.push({ type: 'outcome-decision', step, callId, decision: 'rerun', ...(options.actor === undefined ? {} : { actor: options.actor }) });
      } else if (resolution.outcome === 'completed') {
        events.push({ type: 'tool-result', step, callId, output: resolution.output ?? null, durationMs: 0, resolvedBy: 'human' });
      } else {
        events.push({ type: 'tool-result', step, callId, error: { code: 'TOOL_FAILED', message: resolution.message }, durationMs: 0, resolvedBy: 'human' });
      }
    }
    const settled = unknown.every((call) => resolved.has(call.intent.callId));
    if (settled) events.push({ type: 'run-resume', reason: 'outcome-unknown', ...(options.actor === undefined ? {} : { details: { actor: options.actor } }) });
    await store.append(
      { runId, epoch: lease.epoch, lastSeq: state.lastSeq, now: options.now },
      events,
      settled ? { status: 'queued', waitingReason: null } : undefined,
    );
    return { run, events, lastSeq: state.lastSeq + events.length, at: options.now.toISOString() };
  } finally {
    await store.releaseLease(runId, lease.epoch);
  }
}
