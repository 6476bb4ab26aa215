import { afterEach, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';
import { recordCall } from './usage-fixture.ts';

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const greeter = () => defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' });

interface UsageBody {
  data: Array<{ key: string; inputTokens: number; outputTokens: number; cachedTokens: number; costUsd: number; calls: number }>;
}

describe('usage API', () => {
  it('groups the tenant ledger by user, agent, model and tenant', async () => {
    api = await createTestApi({ agents: [greeter()] });
    await recordCall(api.store, { userId: 'ana', inputTokens: 1_200, outputTokens: 300, cachedTokens: 1_000, costNanoUsd: 285_000 });
    await recordCall(api.store, {
      userId: 'ana',
      agent: 'billing',
      provider: 'anthropic',
      modelId: 'claude-haiku-4-5',
      inputTokens: 2_000,
      outputTokens: 100,
      costNanoUsd: 2_500_000,
    });
    await recordCall(api.store, { userId: 'ben', inputTokens: 10, outputTokens: 1, costNanoUsd: 2_100 });

    const byUser = await api.json<UsageBody>('GET', '/v1/usage?groupBy=user', { key: api.keys.viewer });
    expect(byUser).toEqual({
      status: 200,
      body: {
        data: [
          { key: 'ana', inputTokens: 3_200, outputTokens: 400, cachedTokens: 1_000, costUsd: 0.002785, calls: 2 },
          { key: 'ben', inputTokens: 10, outputTokens: 1, cachedTokens: 0, costUsd: 0.0000021, calls: 1 },
        ],
      },
    });
    const byModel = await api.json<UsageBody>('GET', '/v1/usage?groupBy=model', { key: api.keys.admin });
    expect(byModel.body.data.map((row) => [row.key, row.calls])).toEqual([
      ['anthropic:claude-haiku-4-5', 1],
      ['openai:gpt-4o-mini', 2],
    ]);
    const byAgent = await api.json<UsageBody>('GET', '/v1/usage?groupBy=agent', { key: api.keys.admin });
    expect(byAgent.body.data.map((row) => row.key)).toEqual(['billing', 'greeter']);
    const total = await api.json<UsageBody>('GET', '/v1/usage', { key: api.keys.admin });
    expect(total.body.data).toEqual([{ key: 'acme', inputTokens: 3_210, outputTokens: 401, cachedTokens: 1_000, costUsd: 0.0027871, calls: 3 }]);
  });

  it('filters by [from, to), with dates or date-times', async () => {
    api = await createTestApi({ agents: [greeter()] });
    await recordCall(api.store, { at: new Date('2030-01-31T23:59:59.999Z'), costNanoUsd: 1 });
    await recordCall(api.store, { at: new Date('2030-02-01T00:00:00.000Z'), costNanoUsd: 2 });
    await recordCall(api.store, { at: new Date('2030-02-15T12:00:00.000Z'), costNanoUsd: 4 });
    const cost = async (query: string) => (await api!.json<UsageBody>('GET', `/v1/usage?${query}`, { key: api!.keys.admin })).body.data[0]?.costUsd;

    expect(await cost('from=2030-02-01')).toBe(6e-9);
    expect(await cost('to=2030-02-01')).toBe(1e-9);
    expect(await cost('from=2030-02-01T00:00:00Z&to=2030-02-15T12:00:00%2B00:00')).toBe(2e-9);
    expect(await cost('from=2030-03-01')).toBeUndefined();
  });

  it('answers 400 INPUT_INVALID for an unknown grouping, a bad date, or from after to', async () => {
    api = await createTestApi({ agents: [greeter()] });
    // Year 0 is a time neither store holds (PostgreSQL refuses it): refused here, not a 500 there.
    for (const query of [
      'groupBy=country',
      'from=yesterday',
      'to=2030-13-01',
      'from=2030-02-01&to=2030-01-01',
      'from=0000-01-01',
      'from=0000-06-01T00:00:00Z',
    ]) {
      const response = await api.json<{ error: { code: string } }>('GET', `/v1/usage?${query}`, { key: api.keys.admin });
      expect([query, response.status, response.body.error.code]).toEqual([query, 400, 'INPUT_INVALID']);
    }
    for (const query of ['from=0000-01-01T00:00:00Z', 'to=0000-12-31T23:59:59Z']) {
      const response = await api.json<{ error: { code: string } }>('GET', `/v1/audit?${query}`, { key: api.keys.admin });
      expect([query, response.status, response.body.error.code]).toEqual([query, 400, 'INPUT_INVALID']);
    }
  });

  it("shows only the caller's tenant, and only to admin and viewer keys", async () => {
    api = await createTestApi({ agents: [greeter()] });
    await recordCall(api.store, { tenantId: 'globex', userId: 'ana', costNanoUsd: 500 });
    expect((await api.json<UsageBody>('GET', '/v1/usage?groupBy=user', { key: api.keys.admin })).body).toEqual({ data: [] });
    expect((await api.json<UsageBody>('GET', '/v1/usage?groupBy=tenant', { key: api.keys.other })).body.data).toEqual([
      expect.objectContaining({ key: 'globex', calls: 1 }),
    ]);
    for (const key of [api.keys.app, api.keys.reviewer]) {
      const response = await api.json<{ error: { code: string } }>('GET', '/v1/usage', { key });
      expect([response.status, response.body.error.code]).toEqual([403, 'FORBIDDEN']);
    }
  });
});
