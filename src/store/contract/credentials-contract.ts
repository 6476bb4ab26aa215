import { describe, expect, it } from 'vitest';
import type { PutCredentialInput } from '../credential-store.ts';
import { appendAs, at, claim, newRun, start, type CurrentStore } from './fixtures.ts';

function credential(overrides: Partial<PutCredentialInput> = {}): PutCredentialInput {
  return {
    tenantId: 'tenant-a',
    userId: 'user-1',
    name: 'shop',
    kind: 'secret',
    sealed: '{"sealed":1}',
    keyVersion: 1,
    expiresAt: null,
    actor: 'key_admin',
    now: start,
    ...overrides,
  };
}

const key = { tenantId: 'tenant-a', userId: 'user-1', name: 'shop' };

export function describeCredentialContract(current: CurrentStore): void {
  describe('credentials', () => {
    it('stores a sealed value, lists metadata only, and replaces it keeping who created it', async () => {
      const store = current();
      const first = await store.putCredential(credential());
      expect(first).toEqual({
        created: true,
        record: {
          tenantId: 'tenant-a',
          userId: 'user-1',
          name: 'shop',
          kind: 'secret',
          keyVersion: 1,
          expiresAt: null,
          createdAt: start.toISOString(),
          updatedAt: start.toISOString(),
          createdBy: 'key_admin',
          updatedBy: 'key_admin',
        },
      });
      const second = await store.putCredential(credential({ sealed: '{"sealed":2}', keyVersion: 2, actor: 'cli', now: at(1000) }));
      expect(second.created).toBe(false);
      expect(second.record).toMatchObject({
        createdAt: start.toISOString(),
        updatedAt: at(1000).toISOString(),
        createdBy: 'key_admin',
        updatedBy: 'cli',
        keyVersion: 2,
      });
      expect(await store.getSealedCredential(key)).toMatchObject({ sealed: '{"sealed":2}', refreshOwner: null });
      const listed = await store.listCredentials({ tenantId: 'tenant-a' });
      expect(listed).toEqual([second.record]);
      expect(JSON.stringify(listed)).not.toContain('sealed');
    });

    it("keeps a tenant's own credential apart from its users', and tenants apart", async () => {
      const store = current();
      await store.putCredential(credential({ userId: null, sealed: 'tenant' }));
      await store.putCredential(credential({ sealed: 'user' }));
      await store.putCredential(credential({ tenantId: 'tenant-b', sealed: 'other tenant' }));
      expect((await store.getSealedCredential({ ...key, userId: null }))?.sealed).toBe('tenant');
      expect((await store.getSealedCredential(key))?.sealed).toBe('user');
      expect(await store.getSealedCredential({ ...key, tenantId: 'tenant-c' })).toBeUndefined();
      expect((await store.listCredentials({ tenantId: 'tenant-a', userId: null })).map((record) => record.userId)).toEqual([null]);
      expect((await store.listCredentials({ tenantId: 'tenant-a', userId: 'user-1' })).map((record) => record.userId)).toEqual(['user-1']);
      expect(await store.listCredentials({ tenantId: 'tenant-a' })).toHaveLength(2);
      expect(await store.deleteCredential({ ...key, tenantId: 'tenant-b' })).toBe(true);
      expect(await store.deleteCredential({ ...key, tenantId: 'tenant-b' })).toBe(false);
      expect(await store.listCredentials({ tenantId: 'tenant-a' })).toHaveLength(2);
    });

    it('hands out what rotation must re-wrap, in batches, and re-wraps only an unchanged value', async () => {
      const store = current();
      for (const name of ['a', 'b', 'c']) await store.putCredential(credential({ name, sealed: `v1-${name}` }));
      await store.putCredential(credential({ name: 'd', sealed: 'v2-d', keyVersion: 2 }));
      const batch = await store.listCredentialsToRewrap({ keyVersion: 2, limit: 2 });
      expect(batch.map((row) => row.name)).toEqual(['a', 'b']);
      expect(await store.rewrapCredential({ ...key, name: 'a', expectedSealed: 'v1-a', sealed: 'v2-a', keyVersion: 2 })).toBe(true);
      // Set again in the meantime: the re-wrap of the old value must not overwrite it.
      await store.putCredential(credential({ name: 'b', sealed: 'v2-b-new', keyVersion: 2 }));
      expect(await store.rewrapCredential({ ...key, name: 'b', expectedSealed: 'v1-b', sealed: 'v2-b-old', keyVersion: 2 })).toBe(false);
      expect((await store.getSealedCredential({ ...key, name: 'b' }))?.sealed).toBe('v2-b-new');
      expect((await store.listCredentialsToRewrap({ keyVersion: 2, limit: 10 })).map((row) => row.name)).toEqual(['c']);
    });

    it('gives the refresh lease to one owner at a time, until it ends or expires', async () => {
      const store = current();
      await store.putCredential(credential({ kind: 'oauth', sealed: 'old', expiresAt: start }));
      const lease = { ...key, leaseMs: 30_000, now: at(1) };
      const [first, second] = await Promise.all([
        store.acquireCredentialRefresh({ ...lease, owner: 'p1' }),
        store.acquireCredentialRefresh({ ...lease, owner: 'p2' }),
      ]);
      expect([first.acquired, second.acquired].sort()).toEqual([false, true]);
      const winner = first.acquired ? 'p1' : 'p2';
      const loser = first.acquired ? 'p2' : 'p1';
      expect(await store.finishCredentialRefresh({ ...key, owner: loser, now: at(2), sealed: 'stolen', keyVersion: 1, expiresAt: null })).toBe(false);
      expect(await store.finishCredentialRefresh({ ...key, owner: winner, now: at(2), sealed: 'new', keyVersion: 1, expiresAt: at(3_600_000) })).toBe(true);
      expect(await store.getSealedCredential(key)).toMatchObject({
        sealed: 'new',
        refreshOwner: null,
        expiresAt: at(3_600_000).toISOString(),
        updatedBy: 'oauth-refresh',
      });

      // A lease left by a process that died is taken over once it expires.
      expect((await store.acquireCredentialRefresh({ ...lease, owner: 'p1', now: at(10) })).acquired).toBe(true);
      expect((await store.acquireCredentialRefresh({ ...lease, owner: 'p2', now: at(20) })).acquired).toBe(false);
      const takeover = await store.acquireCredentialRefresh({ ...lease, owner: 'p2', now: at(30_010) });
      expect(takeover).toMatchObject({ acquired: true, credential: { sealed: 'new', refreshOwner: 'p2' } });
      expect(await store.finishCredentialRefresh({ ...key, owner: 'p1', now: at(30_020), release: true })).toBe(false);
      expect(await store.finishCredentialRefresh({ ...key, owner: 'p2', now: at(30_020), remove: true })).toBe(true);
      expect(await store.getSealedCredential(key)).toBeUndefined();
      expect(await store.acquireCredentialRefresh({ ...lease, owner: 'p1' })).toEqual({ acquired: false, credential: undefined });
    });

    it('ends a refresh in flight when the credential is set anew', async () => {
      const store = current();
      await store.putCredential(credential({ kind: 'oauth', sealed: 'old' }));
      expect((await store.acquireCredentialRefresh({ ...key, owner: 'p1', leaseMs: 30_000, now: at(1) })).acquired).toBe(true);
      await store.putCredential(credential({ kind: 'oauth', sealed: 'reconnected', now: at(2) }));
      expect(await store.finishCredentialRefresh({ ...key, owner: 'p1', now: at(3), sealed: 'refreshed', keyVersion: 1, expiresAt: null })).toBe(false);
      expect((await store.getSealedCredential(key))?.sealed).toBe('reconnected');
    });

    it('keeps an authorization request for one callback, until it expires', async () => {
      const store = current();
      const request = { tenantId: 'tenant-a', userId: 'user-1', provider: 'shop', sealed: 'verifier', createdAt: start, expiresAt: at(600_000) };
      await store.saveOAuthState({ ...request, state: 's1' });
      await store.saveOAuthState({ ...request, state: 's2' });
      await store.saveOAuthState({ ...request, state: 's3', expiresAt: at(10) });
      expect(await store.takeOAuthState('s1', at(1))).toEqual({ ...request, state: 's1' });
      expect(await store.takeOAuthState('s1', at(1))).toBeUndefined();
      expect(await store.takeOAuthState('s2', at(600_000))).toBeUndefined();
      expect(await store.sweepOAuthStates(at(20))).toBe(1);
      expect(await store.takeOAuthState('s3', at(1))).toBeUndefined();
    });

    it('queues again only the credential-waiting runs of the user named', async () => {
      const store = current();
      const park = async (userId: string, reason: 'credential' | 'budget') => {
        const { run } = await store.createRun(newRun({ userId }));
        const lease = await claim(store, run.id);
        await appendAs(store, lease, [{ type: 'run-waiting', reason }], { status: 'waiting', waitingReason: reason });
        await store.releaseLease(run.id, lease.epoch);
        return run.id;
      };
      const alice = await park('alice', 'credential');
      const bob = await park('bob', 'credential');
      const aliceBudget = await park('alice', 'budget');
      expect(await store.requeueWaiting('tenant-a', 'credential', { userId: 'alice' })).toEqual([alice]);
      expect((await store.getRun('tenant-a', alice))?.status).toBe('queued');
      expect((await store.getRun('tenant-a', bob))?.status).toBe('waiting');
      expect((await store.getRun('tenant-a', aliceBudget))?.status).toBe('waiting');
      expect(await store.requeueWaiting('tenant-a', 'credential')).toEqual([bob]);
    });
  });
}
