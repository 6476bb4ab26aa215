import { describe, expect, it } from 'vitest';
import type { NewApiKey } from '../api-key-store.ts';
import { at, type CurrentStore, start, uniqueId } from './fixtures.ts';

function newKey(overrides: Partial<NewApiKey> = {}): NewApiKey {
  const id = uniqueId('key');
  return { id, tenantId: 'tenant-a', name: 'ci', role: 'app', keyHash: `hash-of-${id}`, prefix: 'keel_abcdefg', now: start, ...overrides };
}

export function describeApiKeyContract(current: CurrentStore): void {
  describe('API keys', () => {
    it('stores a key by its hash and finds it again, in any tenant', async () => {
      const store = current();
      const created = await store.createApiKey(newKey({ id: 'key-1', keyHash: 'h1', tenantId: 'tenant-b', role: 'viewer', name: 'dashboards' }));
      expect(created).toEqual({
        id: 'key-1',
        tenantId: 'tenant-b',
        name: 'dashboards',
        role: 'viewer',
        prefix: 'keel_abcdefg',
        createdAt: start.toISOString(),
        revokedAt: null,
      });
      expect(await store.findApiKeyByHash('h1')).toEqual(created);
      expect(await store.findApiKeyByHash('h2')).toBeUndefined();
    });

    it('refuses a second key with the same hash', async () => {
      const store = current();
      await store.createApiKey(newKey({ keyHash: 'same' }));
      await expect(store.createApiKey(newKey({ keyHash: 'same' }))).rejects.toMatchObject({ name: 'KeelError' });
      expect(await store.listApiKeys()).toHaveLength(1);
    });

    it("lists one tenant's keys oldest first, or every tenant's", async () => {
      const store = current();
      const second = await store.createApiKey(newKey({ now: at(1000) }));
      const first = await store.createApiKey(newKey({ now: at(0) }));
      const other = await store.createApiKey(newKey({ tenantId: 'tenant-b', now: at(500) }));
      expect(await store.listApiKeys({ tenantId: 'tenant-a' })).toEqual([first, second]);
      expect(await store.listApiKeys({ tenantId: 'tenant-c' })).toEqual([]);
      expect(await store.listApiKeys()).toEqual([first, other, second]);
    });

    it('revokes a key once, keeping the first revocation time', async () => {
      const store = current();
      const key = await store.createApiKey(newKey({ keyHash: 'h' }));
      const revoked = await store.revokeApiKey(key.id, { tenantId: 'tenant-a', now: at(1000) });
      expect(revoked).toEqual({ ...key, revokedAt: at(1000).toISOString() });
      expect(await store.revokeApiKey(key.id, { now: at(9000) })).toEqual(revoked);
      expect(await store.findApiKeyByHash('h')).toEqual(revoked);
    });

    it("does not revoke another tenant's key, nor an unknown one", async () => {
      const store = current();
      const key = await store.createApiKey(newKey({ keyHash: 'h' }));
      expect(await store.revokeApiKey(key.id, { tenantId: 'tenant-b', now: at(1000) })).toBeUndefined();
      expect(await store.revokeApiKey('key-unknown', { now: at(1000) })).toBeUndefined();
      expect(await store.findApiKeyByHash('h')).toMatchObject({ revokedAt: null });
    });
  });
}
