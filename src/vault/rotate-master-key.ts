import { KeelError, toKeelError } from '../errors/index.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { CredentialStore } from '../store/credential-store.ts';
import type { AuditActor } from './audit-chain.ts';
import { recordAudit } from './audit-log.ts';
import { credentialSubject } from './credential-names.ts';
import { rewrapSecret } from './envelope.ts';
import type { MasterKeyring } from './master-key.ts';
import { serializeSealedSecret } from './sealed-secret.ts';

export interface RotationProgress {
  /** Re-wrapped by this call so far. */
  rewrapped: number;
  /** Batches done. */
  batches: number;
}

/**
 * Re-wraps every credential's data key under the keyring's current master key, without
 * decrypting any secret (`rewrapSecret`). Rows are walked in batches of those not yet on the
 * current version, and each row records its version as it is re-wrapped, so a rotation that is
 * interrupted (killed, a lost connection) simply continues where it stopped when run again. A
 * row set or refreshed meanwhile is already on the current version and is left alone.
 *
 * Stops with `VAULT_DECRYPT_FAILED` naming the rows (never their values) when a batch re-wraps
 * nothing because its rows cannot be opened with the keyring.
 *
 * @example
 * // KEEL_MASTER_KEY=2:NEWKEY,1:OLDKEY
 * const { rewrapped } = await rotateMasterKey({ store, keyring: parseMasterKeyring(process.env.KEEL_MASTER_KEY), actor: cliActor });
 */
export async function rotateMasterKey(options: {
  store: CredentialStore & Pick<AuditStore, 'appendAudit'>;
  keyring: MasterKeyring;
  actor: AuditActor;
  /** Rows per batch. Default 100. */
  batchSize?: number;
  /** Pause between batches, to spread the load on a busy database. Default 0. */
  pauseMs?: number;
  onProgress?: (progress: RotationProgress) => void;
  now?: () => Date;
}): Promise<RotationProgress & { keyVersion: number }> {
  const { store, keyring } = options;
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'The rotation batch size is 1 to 10000', details: { batchSize } });
  }
  const target = keyring.current;
  const progress: RotationProgress = { rewrapped: 0, batches: 0 };
  let raced = 0;
  for (;;) {
    const batch = await store.listCredentialsToRewrap({ keyVersion: target.version, limit: batchSize });
    if (batch.length === 0) break;
    let rewrappedHere = 0;
    const failures: { subject: string; code: string }[] = [];
    for (const row of batch) {
      const context = { tenant: row.tenantId, user: row.userId, name: row.name };
      let sealed: string;
      try {
        sealed = serializeSealedSecret(rewrapSecret({ sealed: row.sealed, context, from: keyring, to: target }));
      } catch (error) {
        failures.push({ subject: credentialSubject(row), code: toKeelError(error).code });
        continue;
      }
      const done = await store.rewrapCredential({
        tenantId: row.tenantId,
        userId: row.userId,
        name: row.name,
        expectedSealed: row.sealed,
        sealed,
        keyVersion: target.version,
      });
      if (done) rewrappedHere += 1;
    }
    progress.rewrapped += rewrappedHere;
    progress.batches += 1;
    options.onProgress?.({ ...progress });
    if (rewrappedHere === 0) {
      if (failures.length > 0) {
        throw new KeelError({
          code: 'VAULT_DECRYPT_FAILED',
          message: `${failures.length} credential(s) cannot be re-wrapped with this keyring (${failures
            .slice(0, 5)
            .map((failure) => `${failure.subject}: ${failure.code}`)
            .join(', ')}): keep the old VERSION:KEY entries in KEEL_MASTER_KEY, or set those credentials again`,
          details: { rewrapped: progress.rewrapped, failed: failures.map((failure) => failure.subject) },
        });
      }
      // Every row changed under us (set anew by other processes): they are current now or will be listed again.
      raced += 1;
      if (raced > 10) throw new KeelError({ code: 'STORE_UNAVAILABLE', message: 'Credentials kept changing during the rotation; run it again' });
    }
    if ((options.pauseMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
  if (progress.rewrapped > 0) {
    await recordAudit(store, {
      tenantId: '*',
      actor: options.actor,
      action: 'vault.rotate',
      subject: 'vault:master-key',
      details: { keyVersion: target.version, rewrapped: progress.rewrapped },
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  }
  return { ...progress, keyVersion: target.version };
}
