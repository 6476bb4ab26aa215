import { hash, randomBytes } from 'node:crypto';
import { KeelError } from '../../errors/index.ts';
import { createId } from '../../internal/ids.ts';
import { assertIdentifier } from '../../internal/text-rules.ts';
import { apiKeyRoles, type ApiKeyRecord, type ApiKeyRole, type ApiKeyStore } from '../../store/api-key-store.ts';
import type { AuditStore } from '../../store/audit-store.ts';
import type { AuditActor } from '../../vault/audit-chain.ts';
import { recordAudit } from '../../vault/audit-log.ts';

const keyPattern = /^keel_[A-Za-z0-9_-]{43}$/;
const tenantPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The SHA-256 of a key, as stored. */
export function hashApiKey(key: string): string {
  return hash('sha256', key);
}

/** Whether a string has the shape of a Keel key (before any lookup). */
export function looksLikeApiKey(value: string): boolean {
  return keyPattern.test(value);
}

/**
 * Mints a key: `keel_` and 256 random bits. The key itself is returned once and never stored;
 * the store keeps its hash and its first characters (to recognise it in `keel keys ls`).
 *
 * @example
 * const { key, record } = await createApiKey(store, { tenantId: 'acme', role: 'app', name: 'web backend' });
 * console.log(key); // keel_… — shown once
 */
export async function createApiKey(
  store: ApiKeyStore & Partial<Pick<AuditStore, 'appendAudit'>>,
  options: {
    tenantId: string;
    role: string;
    name?: string;
    now?: Date;
    /** Who minted it: recorded in the audit log (`key.create`) when given. */
    actor?: AuditActor;
  },
): Promise<{ key: string; record: ApiKeyRecord }> {
  if (!tenantPattern.test(options.tenantId)) {
    throw new KeelError({
      code: 'INPUT_INVALID',
      message: 'A tenant id is 1-64 letters, digits, "_", "." or "-", starting with a letter or digit',
      details: { tenantId: options.tenantId },
    });
  }
  if (!(apiKeyRoles as readonly string[]).includes(options.role)) {
    throw new KeelError({ code: 'INPUT_INVALID', message: `A role is one of ${apiKeyRoles.join(', ')}`, details: { role: options.role } });
  }
  const name = options.name ?? '';
  // Names are shown to operators (keel keys ls, the dashboard): no controls or look-alike tricks.
  if (name !== '') assertIdentifier(name, 'name', 100);
  const now = options.now ?? new Date();
  const key = `keel_${randomBytes(32).toString('base64url')}`;
  const record = await store.createApiKey({
    id: createId('key', now),
    tenantId: options.tenantId,
    name,
    role: options.role as ApiKeyRole,
    keyHash: hashApiKey(key),
    prefix: key.slice(0, 12),
    now,
  });
  if (options.actor !== undefined) await auditKey(store, 'key.create', record, options.actor);
  return { key, record };
}

/**
 * Revokes a key (in `tenantId` only, when given) and records it in the audit log
 * (`key.revoke`); undefined when there is no such key.
 *
 * @example
 * const revoked = await revokeApiKey(store, { id: 'key_…', tenantId: principal.tenantId, actor: { kind: 'key', id: principal.keyId } });
 */
export async function revokeApiKey(
  store: ApiKeyStore & Pick<AuditStore, 'appendAudit'>,
  options: { id: string; tenantId?: string; actor: AuditActor; now?: Date },
): Promise<ApiKeyRecord | undefined> {
  const alreadyRevoked = (await store.listApiKeys(options.tenantId === undefined ? {} : { tenantId: options.tenantId })).find(
    (key) => key.id === options.id && key.revokedAt !== null,
  );
  const revoked = await store.revokeApiKey(options.id, {
    ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }),
    now: options.now ?? new Date(),
  });
  // Revoking twice changes nothing, and records nothing new.
  if (revoked !== undefined && alreadyRevoked === undefined) await auditKey(store, 'key.revoke', revoked, options.actor);
  return revoked;
}

async function auditKey(
  store: Partial<Pick<AuditStore, 'appendAudit'>>,
  action: 'key.create' | 'key.revoke',
  record: ApiKeyRecord,
  actor: AuditActor,
): Promise<void> {
  if (store.appendAudit === undefined) return;
  await recordAudit(store as Pick<AuditStore, 'appendAudit'>, {
    tenantId: record.tenantId,
    actor,
    action,
    subject: `key:${record.id}`,
    details: { role: record.role, name: record.name, prefix: record.prefix },
  });
}
