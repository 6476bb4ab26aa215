import { createHash, randomBytes } from 'node:crypto';

/** Sortable, unguessable ids: a millisecond timestamp then 80 random bits, prefixed by kind. */
export function createId(prefix: string, now: Date = new Date()): string {
  return `${prefix}_${now.getTime().toString(36).padStart(9, '0')}${randomBytes(10).toString('hex')}`;
}

/**
 * The idempotency key of a tool call: the same on every attempt and after any crash, because it
 * depends only on what the journal recorded (run, step, call id).
 */
export function toolIdempotencyKey(runId: string, step: number, callId: string): string {
  return 'keel_' + createHash('sha256').update(`${runId}\u0000${step}\u0000${callId}`).digest('hex').slice(0, 40);
}
