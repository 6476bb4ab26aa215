import type { AuditActor } from '../../vault/audit-chain.ts';
import type { Principal } from '../server-types.ts';

/**
 * The audit actor of a request: its API key (the key's id; the role helps a reader tell an
 * operator's key from an application's).
 *
 * @example
 * await recordAudit(store, { tenantId, actor: keyActor(c.get('principal')), action: 'policy.update', subject: 'policy:refunds' });
 */
export function keyActor(principal: Principal): AuditActor {
  return { kind: 'key', id: principal.keyId, name: principal.role };
}
