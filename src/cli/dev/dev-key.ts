import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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

/**
 * Where `keel dev` keeps the dev admin key of a store: one file per store under `.keel/`, so a
 * second `keel dev` on another store (another `KEEL_DATABASE_URL`) in the same directory mints
 * its own key instead of overwriting — and so invalidating — the first one's. The default store
 * keeps the plain name `dev-admin-key`; any other gets `dev-admin-key.<digest of the store>`,
 * where the store is its SQLite file (resolved against `cwd`, so spellings of one path agree) or
 * its PostgreSQL host, port and database (the user and password never reach the digest).
 *
 * @example
 * devKeyFile('/app', 'sqlite:./.keel/keel.db'); // '/app/.keel/dev-admin-key'
 * devKeyFile('/app', 'sqlite:./other.db'); // '/app/.keel/dev-admin-key.3f9a1c0d2b7e'
 */
export function devKeyFile(cwd: string, databaseUrl: string, defaultDatabaseUrl = 'sqlite:./.keel/keel.db'): string {
  const store = storeIdentity(cwd, databaseUrl);
  const name =
    store === storeIdentity(cwd, defaultDatabaseUrl) ? 'dev-admin-key' : `dev-admin-key.${createHash('sha256').update(store).digest('hex').slice(0, 12)}`;
  return join(cwd, '.keel', name);
}

/** What names one store, whatever the spelling of its URL. */
function storeIdentity(cwd: string, databaseUrl: string): string {
  const sqlite = /^sqlite:(?:\/\/)?(.*)$/i.exec(databaseUrl);
  if (sqlite !== null) return sqlite[1] === ':memory:' ? 'sqlite::memory:' : `sqlite:${resolve(cwd, sqlite[1] ?? '')}`;
  try {
    const url = new URL(databaseUrl);
    // The query may name a schema of its own (`?options=-c search_path=…`): another store.
    return `${url.protocol.replace('postgresql:', 'postgres:')}//${url.hostname.toLowerCase()}:${url.port || '5432'}${url.pathname}${url.search}`;
  } catch {
    return databaseUrl;
  }
}
