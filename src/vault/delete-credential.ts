import type { AuditStore } from '../store/audit-store.ts';
import type { CredentialKey, CredentialStore } from '../store/credential-store.ts';
import type { AuditActor } from './audit-chain.ts';
import { recordAudit } from './audit-log.ts';
import { assertCredentialKey, credentialSubject } from './credential-names.ts';

/**
 * Deletes a credential (a secret or an OAuth connection) and audits it; false when there was
 * none. Opens nothing, so it needs no master key.
 *
 * @example
 * await deleteCredential({ store, key: { tenantId: 'acme', userId: 'alice', name: 'shop' }, actor: cliActor });
 */
export async function deleteCredential(options: {
  store: Pick<CredentialStore, 'deleteCredential'> & Pick<AuditStore, 'appendAudit'>;
  key: CredentialKey;
  actor: AuditActor;
  now?: () => Date;
}): Promise<boolean> {
  const { store, key } = options;
  assertCredentialKey(key);
  const deleted = await store.deleteCredential(key);
  if (deleted) {
    await recordAudit(store, {
      tenantId: key.tenantId,
      actor: options.actor,
      action: 'credential.delete',
      subject: credentialSubject(key),
      details: { name: key.name, userId: key.userId },
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  }
  return deleted;
}
