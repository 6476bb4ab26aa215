import { hash, randomFillSync } from 'node:crypto';

/** Random bits per id: 80. */
const idRandomBytes = 10;

/**
 * Random bytes from the CSPRNG, drawn 4 KiB at a time (Node batches `randomUUID`'s the same way):
 * one call into it serves 409 ids instead of one, which made most of an id's cost. Every byte is
 * handed out once.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/**
 * Unguessable ids, prefixed by kind: a millisecond timestamp then 80 random bits. They sort by
 * millisecond only: two ids made in the same millisecond sort at random, so nothing may take an
 * id's order for the order of creation. Stores keep that order in a sequence of their own
 * (`creation_order` of runs and API keys).
 *
 * @example
 * createId('run'); // 'run_0mx4gom74c2332673bb30368cda99'
 */
export function createId(prefix: string, now: Date = new Date()): string {
  return `${prefix}_${now.getTime().toString(36).padStart(9, '0')}${randomHex(idRandomBytes)}`;
}

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/**
 * The idempotency key of a tool call: the same on every attempt and after any crash, because it
 * depends only on what the journal recorded (run, step, call id).
 */
export function toolIdempotencyKey(runId: string, step: number, callId: string): string {
  return 'keel_' + hash('sha256', `${runId}\u0000${step}\u0000${callId}`).slice(0, 40);
}
