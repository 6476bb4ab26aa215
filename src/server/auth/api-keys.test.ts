import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../testing/test-runtime.ts';
import { createApiKey, hashApiKey } from './api-keys.ts';

let test: TestRuntime;
beforeEach(async () => {
  test = await createTestRuntime({ agents: [] });
});
afterEach(async () => {
  await test.close();
});

describe('createApiKey', () => {
  it('lists keys minted at the same instant in the order they were minted', async () => {
    // One clock reading for all: their ids then share a timestamp and differ only in random bits.
    const now = new Date('2030-01-01T00:00:00.000Z');
    const minted = [];
    for (const role of ['admin', 'app', 'reviewer', 'viewer', 'app', 'admin', 'viewer', 'reviewer']) {
      minted.push((await createApiKey(test.store, { tenantId: 'acme', role, now })).record.id);
    }
    expect((await test.store.listApiKeys({ tenantId: 'acme' })).map((key) => key.id)).toEqual(minted);
  });

  it('stores the hash of the key it returns, never the key', async () => {
    const { key, record } = await createApiKey(test.store, { tenantId: 'acme', role: 'app', name: 'web' });
    expect(await test.store.findApiKeyByHash(hashApiKey(key))).toEqual(record);
    expect(JSON.stringify(await test.store.listApiKeys())).not.toContain(key);
  });

  it('hashes a key as every earlier version did, so stored keys keep working after an upgrade', () => {
    // The hex SHA-256 of the key's text, pinned.
    expect(hashApiKey('keel_abc')).toBe('9bb2443b2f396e266d0318cc8993697a2d30fd57828f2dd85e41111a38e76ea3');
  });
});
