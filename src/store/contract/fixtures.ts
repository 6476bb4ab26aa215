import { expect } from 'vitest';
import type { ErrorCode } from '../../errors/index.ts';
import type { JournalEvent } from '../../journal/events.ts';
import type { Lease, NewRun, RunPatch, Store } from '../store.ts';

/** Gives each contract test the store under test (fresh, empty and migrated). */
export type CurrentStore = () => Store;

/** A fixed epoch for every contract test: leases and timestamps are checked exactly. */
export const start = new Date('2030-01-01T00:00:00.000Z');

export function at(offsetMs: number): Date {
  return new Date(start.getTime() + offsetMs);
}

let counter = 0;

/** Ids unique within a test run, so adapters sharing a database between tests still pass. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

export function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    id: uniqueId('run'),
    tenantId: 'tenant-a',
    agent: 'support',
    sessionId: uniqueId('session'),
    userId: 'user-1',
    input: 'Where is my order?',
    sessionPolicy: 'queue',
    now: start,
    ...overrides,
  };
}

export async function expectKeelError(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'KeelError', code });
}

export async function claim(store: Store, runId: string, owner = 'worker-1', now = start, leaseMs = 30_000): Promise<Lease> {
  const lease = await store.claimRun(runId, { owner, leaseMs, now });
  if (lease === undefined) throw new Error(`expected to claim ${runId}`);
  return lease;
}

/** Appends as the lease holder, using the run's current last sequence number. */
export async function appendAs(store: Store, lease: Lease, events: JournalEvent[], patch?: RunPatch, now = start): Promise<void> {
  const run = await store.getRun(lease.run.tenantId, lease.runId);
  if (run === undefined) throw new Error(`run ${lease.runId} vanished`);
  await store.append({ runId: lease.runId, epoch: lease.epoch, lastSeq: run.lastSeq, now }, events, patch);
}

/** Claims a run, ends it with `status`, and gives the lease back. */
export async function finishRun(store: Store, runId: string, status: 'completed' | 'failed' | 'cancelled' = 'completed', now = start): Promise<void> {
  const lease = await claim(store, runId, 'finisher', now);
  await appendAs(store, lease, [{ type: 'run-end', status }], { status, endedAt: now }, now);
  await store.releaseLease(runId, lease.epoch);
}

export const usageUpdate: JournalEvent = { type: 'usage-update', usage: { inputTokens: 10, outputTokens: 5, cachedTokens: 0 }, modelCalls: 1 };

export function textDelta(text: string): JournalEvent {
  return { type: 'text-delta', step: 1, attempt: 1, text };
}
