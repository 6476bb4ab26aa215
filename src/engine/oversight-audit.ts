import type { Actor } from '../journal/events.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { AuditActor } from '../vault/audit-chain.ts';
import { recordAudit } from '../vault/audit-log.ts';

/**
 * The audit actor of a person's (or the system's) decision as the journal records it: the API
 * key's id with the reviewer's name, the terminal with its user's name (as `keel keys create`
 * and `keel secrets set` are audited), or Keel itself with what it did (`approval-timeout`).
 *
 * @example
 * auditActorOf({ kind: 'key', keyId: 'key_1', name: 'rita' }); // { kind: 'key', id: 'key_1', name: 'rita' }
 */
export function auditActorOf(actor: Actor): AuditActor {
  const name = actor.name === undefined ? {} : { name: actor.name };
  if (actor.kind === 'key') return { kind: 'key', id: actor.keyId ?? 'unknown', ...name };
  if (actor.kind === 'cli') return { kind: 'system', id: 'cli', ...name };
  return { kind: 'system', id: 'keel', ...name };
}

/**
 * Records an oversight decision (an approval decided, an escalation replied to or resolved) in
 * the audit chain, once its journal commit has won. The entry names the run, the agent, the end
 * user and the tool, never the arguments, reasons or replies: those are conversation content,
 * which deleting the session erases, and the audit chain cannot be rewritten.
 */
export async function auditOversight(
  store: Pick<AuditStore, 'appendAudit'>,
  entry: { tenantId: string; actor: Actor; action: string; subject: string; details: Record<string, unknown>; now: Date },
): Promise<void> {
  await recordAudit(store, {
    tenantId: entry.tenantId,
    actor: auditActorOf(entry.actor),
    action: entry.action,
    subject: entry.subject,
    details: entry.details,
    now: () => entry.now,
  });
}
