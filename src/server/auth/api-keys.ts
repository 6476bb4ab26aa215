import { createHash, randomBytes } from 'node:crypto';
import { KeelError } from '../../errors/index.ts';
import { createId } from '../../internal/ids.ts';
import { assertIdentifier } from '../../internal/text-rules.ts';
import { apiKeyRoles, type ApiKeyRecord, type ApiKeyRole, type ApiKeyStore } from '../../store/api-key-store.ts';

const keyPattern = /^keel_[A-Za-z0-9_-]{43}$/;
const tenantPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The SHA-256 of a key, as stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
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
  store: ApiKeyStore,
  options: { tenantId: string; role: string; name?: string; now?: Date },
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
  return { key, record };
}
