import { describe, expect, it } from 'vitest';
import { at, type CurrentStore, start, uniqueId } from './fixtures.ts';

const response = {
  text: 'Paris',
  toolCalls: [],
  finishReason: 'stop',
  usage: { inputTokens: 12, outputTokens: 1, cachedTokens: 0 },
  provider: 'openai',
  modelId: 'gpt-4o-mini',
};

export function describeModelCacheContract(current: CurrentStore): void {
  describe('model response cache', () => {
    it('returns what was stored, as JSON data, until it expires', async () => {
      const store = current();
      const key = uniqueId('key');
      await store.putCachedModelResponse({ tenantId: 'tenant-a', key, response, now: start, expiresAt: at(60_000) });
      expect(await store.getCachedModelResponse('tenant-a', key, at(59_999))).toEqual(response);
      expect(await store.getCachedModelResponse('tenant-a', key, at(60_000))).toBeUndefined();
      expect(await store.getCachedModelResponse('tenant-a', uniqueId('key'), start)).toBeUndefined();
    });

    it('keeps tenants apart under the same key', async () => {
      const store = current();
      const key = uniqueId('key');
      await store.putCachedModelResponse({ tenantId: 'tenant-a', key, response, now: start, expiresAt: at(60_000) });
      expect(await store.getCachedModelResponse('tenant-b', key, start)).toBeUndefined();
      await store.putCachedModelResponse({ tenantId: 'tenant-b', key, response: { ...response, text: 'Lyon' }, now: start, expiresAt: at(60_000) });
      expect(await store.getCachedModelResponse('tenant-a', key, start)).toMatchObject({ text: 'Paris' });
      expect(await store.getCachedModelResponse('tenant-b', key, start)).toMatchObject({ text: 'Lyon' });
    });

    it('replaces an entry, expiry included', async () => {
      const store = current();
      const key = uniqueId('key');
      await store.putCachedModelResponse({ tenantId: 'tenant-a', key, response, now: start, expiresAt: at(1_000) });
      await store.putCachedModelResponse({ tenantId: 'tenant-a', key, response: { ...response, text: 'Rome' }, now: at(500), expiresAt: at(10_000) });
      expect(await store.getCachedModelResponse('tenant-a', key, at(5_000))).toMatchObject({ text: 'Rome' });
    });

    it('deletes expired entries in batches and keeps the live ones', async () => {
      const store = current();
      const live = uniqueId('key');
      for (let index = 0; index < 3; index++) {
        await store.putCachedModelResponse({ tenantId: 'tenant-a', key: uniqueId('old'), response, now: start, expiresAt: at(1_000) });
      }
      await store.putCachedModelResponse({ tenantId: 'tenant-a', key: live, response, now: start, expiresAt: at(100_000) });
      expect(await store.deleteExpiredModelResponses(at(2_000), 2)).toBe(2);
      expect(await store.deleteExpiredModelResponses(at(2_000))).toBe(1);
      expect(await store.deleteExpiredModelResponses(at(2_000))).toBe(0);
      expect(await store.getCachedModelResponse('tenant-a', live, at(2_000))).toEqual(response);
    });
  });
}
