import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createApiKey, hashApiKey } from '../../server/auth/api-keys.ts';
import type { ApiKeyStore } from '../../store/api-key-store.ts';

/**
 * The dev admin key: minted once and kept in a file under `.keel/` (mode 0600), so restarting
 * `keel dev` prints the same key. A new one is minted when the file is missing or its key is no
 * longer valid in the store (the database was deleted, or the key revoked).
 *
 * @example
 * const { key, created } = await ensureDevKey(store, '.keel/dev-admin-key', 'default');
 */
export async function ensureDevKey(store: ApiKeyStore, path: string, tenantId: string): Promise<{ key: string; created: boolean }> {
  const saved = await readFile(path, 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
  if (saved !== undefined) {
    const record = await store.findApiKeyByHash(hashApiKey(saved));
    if (record !== undefined && record.revokedAt === null) return { key: saved, created: false };
  }
  const { key } = await createApiKey(store, { tenantId, role: 'admin', name: 'keel dev' });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}
