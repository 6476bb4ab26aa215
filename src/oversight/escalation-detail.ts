import { KeelError } from '../errors/index.ts';
import type { Actor } from '../journal/events.ts';
import type { EscalationRecord } from '../store/oversight-store.ts';
import type { Store } from '../store/store.ts';

/** A person's reply in an escalation, as its run's journal records it. */
export interface EscalationReply {
  message: string;
  handBack: boolean;
  actor: Actor;
  /** When it was journaled, and where: the `seq` of its `escalation-reply` entry. */
  at: string;
  seq: number;
}

/** An escalation with what was said in it: the inbox row, and the replies and resolution from its run's journal. */
export interface EscalationDetail extends EscalationRecord {
  replies: EscalationReply[];
  resolution: { actor: Actor; endSession: boolean; at: string } | null;
}

/**
 * One escalation as a reviewer opens it: the record with its handoff package, plus the replies
 * and the resolution, read from the run's journal — the record of what was said, which the
 * inbox row only indexes. `ESCALATION_NOT_FOUND` for an unknown id or another tenant's.
 *
 * @example
 * const { handoff, replies } = await escalationDetail(store, { tenantId: 'acme', escalationId: 'esc_…' });
 */
export async function escalationDetail(
  store: Pick<Store, 'getEscalation' | 'readJournal'>,
  input: { tenantId: string; escalationId: string },
): Promise<EscalationDetail> {
  const escalation = await store.getEscalation(input.tenantId, input.escalationId);
  if (escalation === undefined) throw new KeelError({ code: 'ESCALATION_NOT_FOUND', message: `No escalation with id "${input.escalationId}"` });
  const replies: EscalationReply[] = [];
  let resolution: EscalationDetail['resolution'] = null;
  for (const entry of await store.readJournal(escalation.runId)) {
    if (entry.type === 'escalation-reply' && entry.escalationId === escalation.id) {
      replies.push({ message: entry.message, handBack: entry.handBack, actor: entry.actor, at: entry.at, seq: entry.seq });
    } else if (entry.type === 'escalation-resolve' && entry.escalationId === escalation.id) {
      resolution = { actor: entry.actor, endSession: entry.endSession === true, at: entry.at };
    }
  }
  return { ...escalation, replies, resolution };
}
