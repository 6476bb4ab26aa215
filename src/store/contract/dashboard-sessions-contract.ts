import { describe, expect, it } from 'vitest';
import type { NewApiKey } from '../api-key-store.ts';
import { at, type CurrentStore, start, uniqueId } from './fixtures.ts';

const hour = 60 * 60 * 1000;

function newKey(overrides: Partial<NewApiKey> = {}): NewApiKey {
  const id = uniqueId('key');
  return { id, tenantId: 'tenant-a', name: 'ci', role: 'reviewer', keyHash: `hash-of-${id}`, prefix: 'keel_abcdefg', now: start, ...overrides };
}

export function describeDashboardSessionContract(current: CurrentStore): void {
  describe('dashboard sign-ins', () => {
    it('finds a sign-in by its token hash with its key, until it expires', async () => {
      const store = current();
      const key = await store.createApiKey(newKey());
      await store.createDashboardSession({ tokenHash: 't1', keyId: key.id, tenantId: 'tenant-a', now: start, expiresAt: at(12 * hour) });
      const expected = {
        keyId: key.id,
        tenantId: 'tenant-a',
        role: 'reviewer',
        keyRevokedAt: null,
        createdAt: start.toISOString(),
        expiresAt: at(12 * hour).toISOString(),
      };
      expect(await store.findDashboardSession('t1', at(12 * hour - 1))).toEqual(expected);
      expect(await store.findDashboardSession('t1', at(12 * hour))).toBeUndefined();
      expect(await store.findDashboardSession('t2', start)).toBeUndefined();
    });

    it("reports the key's revocation", async () => {
      const store = current();
      const key = await store.createApiKey(newKey());
      await store.createDashboardSession({ tokenHash: 't1', keyId: key.id, tenantId: 'tenant-a', now: start, expiresAt: at(hour) });
      await store.revokeApiKey(key.id, { tenantId: 'tenant-a', now: at(1000) });
      expect(await store.findDashboardSession('t1', at(2000))).toMatchObject({ keyId: key.id, keyRevokedAt: at(1000).toISOString() });
    });

    it('finds nothing for a sign-in whose key id is of another tenant', async () => {
      const store = current();
      const key = await store.createApiKey(newKey({ tenantId: 'tenant-b' }));
      await store.createDashboardSession({ tokenHash: 't1', keyId: key.id, tenantId: 'tenant-a', now: start, expiresAt: at(hour) });
      expect(await store.findDashboardSession('t1', start)).toBeUndefined();
    });

    it('signs out one sign-in, leaving the others', async () => {
      const store = current();
      const key = await store.createApiKey(newKey());
      await store.createDashboardSession({ tokenHash: 't1', keyId: key.id, tenantId: 'tenant-a', now: start, expiresAt: at(hour) });
      await store.createDashboardSession({ tokenHash: 't2', keyId: key.id, tenantId: 'tenant-a', now: start, expiresAt: at(hour) });
      expect(await store.deleteDashboardSession('t1')).toBe(true);
      expect(await store.deleteDashboardSession('t1')).toBe(false);
      expect(await store.findDashboardSession('t1', start)).toBeUndefined();
      expect(await store.findDashboardSession('t2', start)).toMatchObject({ keyId: key.id });
    });

    it('sweeps the expired sign-ins only', async () => {
      const store = current();
      const key = await store.createApiKey(newKey());
      await store.createDashboardSession({ tokenHash: 'old', keyId: key.id, tenantId: 'tenant-a', now: start, expiresAt: at(hour) });
      await store.createDashboardSession({ tokenHash: 'new', keyId: key.id, tenantId: 'tenant-a', now: at(hour), expiresAt: at(2 * hour) });
      expect(await store.deleteExpiredDashboardSessions(at(hour))).toBe(1);
      expect(await store.deleteExpiredDashboardSessions(at(hour))).toBe(0);
      expect(await store.deleteDashboardSession('old')).toBe(false);
      expect(await store.findDashboardSession('new', at(hour))).toMatchObject({ keyId: key.id });
    });

    it('refuses a second sign-in with the same token hash', async () => {
      const store = current();
      const key = await store.createApiKey(newKey());
      const session = { tokenHash: 'same', keyId: key.id, tenantId: 'tenant-a', now: start, expiresAt: at(hour) };
      await store.createDashboardSession(session);
      await expect(store.createDashboardSession(session)).rejects.toMatchObject({ name: 'KeelError' });
    });
  });
}
