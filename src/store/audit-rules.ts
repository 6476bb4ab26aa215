import { KeelError } from '../errors/index.ts';
import type { AuditLink, AuditRecord } from './audit-store.ts';

/** The head as `build` is given it: undefined before the first entry (seq 0). */
export function headForBuild(head: AuditLink): AuditLink | undefined {
  return head.seq === 0 ? undefined : head;
}

/**
 * What `build` made must continue the head it was given: the next seq, linked to the head's
 * hash. Anything else would fork the chain, so it is refused before it is written.
 */
export function assertContinuesHead(entry: AuditRecord, head: AuditLink): void {
  if (entry.seq !== head.seq + 1 || entry.prevHash !== head.hash) {
    throw new KeelError({
      code: 'INTERNAL',
      message: `An audit entry must continue the chain's head (seq ${head.seq + 1}, linked to the head's hash)`,
      details: { seq: entry.seq, headSeq: head.seq },
    });
  }
}

/** An audit page size: 1 to 10,000. */
export function assertAuditLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'An audit page holds 1 to 10000 entries', details: { limit } });
  }
}
