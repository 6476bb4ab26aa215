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

interface Budget {
  scope: string;
  scopeId: string;
  period: string;
  limitUsd: number;
  spentUsd: number;
  reservedUsd: number;
  periodStart: string | null;
  updatedAt: string;
}

/** A run of `ana` parked in `waiting: budget`, as the engine leaves it when a reservation is refused. */
async function parkedOnBudget(test: TestApi, tenantId = 'acme'): Promise<string> {
  const { run } = await test.store.createRun({
    id: `run-parked-${tenantId}-${Math.random()}`,
    tenantId,
    agent: 'greeter',
    sessionId: `s-${Math.random()}`,
    userId: 'ana',
    input: 'hi',
    sessionPolicy: 'queue',
    now: new Date(),
  });
  const lease = await test.store.claimRun(run.id, { owner: 'engine', leaseMs: 60_000, now: new Date() });
  if (lease === undefined) throw new Error('could not claim');
  await test.store.append({ runId: run.id, epoch: lease.epoch, lastSeq: run.lastSeq, now: new Date() }, [{ type: 'run-waiting', reason: 'budget' }], {
    status: 'waiting',
    waitingReason: 'budget',
  });
  await test.store.releaseLease(run.id, lease.epoch);
  return run.id;
}

describe('budgets API', () => {
  it('sets a budget and reports its spend in the current period', async () => {
    api = await createTestApi({ agents: [greeter()] });
    await recordCall(api.store, { userId: 'ana', costNanoUsd: 1_250_000_000 });
    const put = await api.json<Budget>('PUT', '/v1/budgets/user/ana', { key: api.keys.admin, body: { limitUsd: 10.5, period: 'month' } });
    const now = new Date();
    expect(put).toEqual({
      status: 200,
      body: {
        scope: 'user',
        scopeId: 'ana',
        period: 'month',
        limitUsd: 10.5,
        spentUsd: 1.25,
        reservedUsd: 0,
        periodStart: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
        updatedAt: expect.any(String),
      },
    });
    await api.json('PUT', '/v1/budgets/tenant/acme', { key: api.keys.admin, body: { limitUsd: 100, period: 'total' } });
    await api.json('PUT', '/v1/budgets/agent/greeter', { key: api.keys.admin, body: { limitUsd: 0.1, period: 'total' } });

    const list = await api.json<{ data: Budget[] }>('GET', '/v1/budgets', { key: api.keys.viewer });
    expect(list.body.data.map((budget) => [budget.scope, budget.scopeId, budget.limitUsd, budget.spentUsd])).toEqual([
      ['tenant', 'acme', 100, 1.25],
      ['user', 'ana', 10.5, 1.25],
      ['agent', 'greeter', 0.1, 1.25],
    ]);
    expect((await api.json<{ data: Budget[] }>('GET', '/v1/budgets?scope=agent', { key: api.keys.viewer })).body.data).toHaveLength(1);
    expect((await api.json<Budget>('GET', '/v1/budgets/user/ana', { key: api.keys.viewer })).body).toEqual(put.body);
    expect((await api.json<{ error: { code: string } }>('GET', '/v1/budgets/user/ben', { key: api.keys.viewer })).body.error.code).toBe('BUDGET_NOT_FOUND');
  });

  it('queues the runs waiting for a budget when one is raised, and not when it is lowered or new', async () => {
    api = await createTestApi({ agents: [greeter()] });
    await api.json('PUT', '/v1/budgets/user/ana', { key: api.keys.admin, body: { limitUsd: 1, period: 'day' } });
    const parked = await parkedOnBudget(api);
    const elsewhere = await parkedOnBudget(api, 'globex');

    await api.json('PUT', '/v1/budgets/user/ana', { key: api.keys.admin, body: { limitUsd: 0.5, period: 'day' } });
    await api.json('PUT', '/v1/budgets/agent/greeter', { key: api.keys.admin, body: { limitUsd: 50, period: 'day' } });
    expect(await api.store.getRun('acme', parked)).toMatchObject({ status: 'waiting', waitingReason: 'budget' });

    expect((await api.json('PUT', '/v1/budgets/user/ana', { key: api.keys.admin, body: { limitUsd: 2, period: 'day' } })).status).toBe(200);
    expect(await api.store.getRun('acme', parked)).toMatchObject({ status: 'queued', waitingReason: null });
    expect(await api.store.getRun('globex', elsewhere)).toMatchObject({ status: 'waiting', waitingReason: 'budget' });
  });

  it('deletes a budget: not found afterwards, and a run it held back resumes and completes', async () => {
    // A listed model (claude-sonnet-4-5), so a $0 budget refuses its reservation.
    const priced = defineAgent({
      name: 'greeter',
      model: scriptedModel([{ text: 'Hello!', usage: { inputTokens: 10, outputTokens: 5 } }], { provider: 'anthropic', modelId: 'claude-sonnet-4-5' }),
      instructions: 'Greet.',
    });
    const test = (api = await createTestApi({ agents: [priced], worker: true }));
    await test.json('PUT', '/v1/budgets/user/ana', { key: test.keys.admin, body: { limitUsd: 0, period: 'day' } });
    await test.json('PUT', '/v1/budgets/user/ben', { key: test.keys.admin, body: { limitUsd: 5, period: 'day' } });
    const { run } = await test.runtime.startRun({ agent: 'greeter', input: 'hi', userId: 'ana', tenantId: 'acme' });
    expect(await test.runtime.waitForRun(run.id, { tenantId: 'acme' })).toMatchObject({ status: 'waiting', waitingReason: 'budget' });

    const deleted = await test.request('DELETE', '/v1/budgets/user/ana', { key: test.keys.admin });
    expect([deleted.status, await deleted.text()]).toEqual([204, '']);
    expect(await test.runtime.waitForRun(run.id, { tenantId: 'acme' })).toMatchObject({ status: 'completed', output: 'Hello!' });

    const gone = await test.json<{ error: { code: string } }>('GET', '/v1/budgets/user/ana', { key: test.keys.admin });
    expect([gone.status, gone.body.error.code]).toEqual([404, 'BUDGET_NOT_FOUND']);
    const again = await test.json<{ error: { code: string } }>('DELETE', '/v1/budgets/user/ana', { key: test.keys.admin });
    expect([again.status, again.body.error.code]).toEqual([404, 'BUDGET_NOT_FOUND']);
    expect((await test.json<{ data: Budget[] }>('GET', '/v1/budgets', { key: test.keys.admin })).body.data.map((budget) => budget.scopeId)).toEqual(['ben']);
  });

  it('deletes only within the tenant, and only with an admin key', async () => {
    const test = (api = await createTestApi({ agents: [greeter()] }));
    await test.json('PUT', '/v1/budgets/user/ana', { key: test.keys.other, body: { limitUsd: 1, period: 'day' } });
    expect((await test.json('DELETE', '/v1/budgets/user/ana', { key: test.keys.admin })).status).toBe(404);
    expect((await test.json('DELETE', '/v1/budgets/tenant/globex', { key: test.keys.admin })).status).toBe(404);
    expect((await test.json('DELETE', '/v1/budgets/planet/earth', { key: test.keys.admin })).status).toBe(400);
    await test.json('PUT', '/v1/budgets/user/ana', { key: test.keys.admin, body: { limitUsd: 1, period: 'day' } });
    for (const key of [test.keys.app, test.keys.reviewer, test.keys.viewer])
      expect((await test.json('DELETE', '/v1/budgets/user/ana', { key })).status).toBe(403);
    expect((await test.json<{ data: Budget[] }>('GET', '/v1/budgets', { key: test.keys.other })).body.data).toHaveLength(1);
    expect((await test.json<{ data: Budget[] }>('GET', '/v1/budgets', { key: test.keys.admin })).body.data).toHaveLength(1);
  });

  it('answers 400 INPUT_INVALID for a negative or missing limit, an unknown period or scope, or extra fields', async () => {
    api = await createTestApi({ agents: [greeter()] });
    const cases: Array<[string, unknown]> = [
      ['/v1/budgets/user/ana', { limitUsd: -1, period: 'day' }],
      ['/v1/budgets/user/ana', { limitUsd: '5', period: 'day' }],
      ['/v1/budgets/user/ana', { period: 'day' }],
      ['/v1/budgets/user/ana', { limitUsd: 5, period: 'week' }],
      ['/v1/budgets/user/ana', { limitUsd: 10_000_000, period: 'day' }],
      ['/v1/budgets/user/ana', { limitUsd: 5, period: 'day', currency: 'EUR' }],
      ['/v1/budgets/planet/earth', { limitUsd: 5, period: 'day' }],
    ];
    for (const [path, body] of cases) {
      const response = await api.json<{ error: { code: string } }>('PUT', path, { key: api.keys.admin, body });
      expect([path, body, response.status, response.body.error.code]).toEqual([path, body, 400, 'INPUT_INVALID']);
    }
    expect((await api.json<{ data: Budget[] }>('GET', '/v1/budgets', { key: api.keys.admin })).body.data).toEqual([]);
  });

  it("keeps tenants apart: another tenant's budget is not found, and not listed", async () => {
    api = await createTestApi({ agents: [greeter()] });
    await api.json('PUT', '/v1/budgets/user/ana', { key: api.keys.other, body: { limitUsd: 1, period: 'day' } });
    const foreign = await api.json<{ error: { code: string } }>('PUT', '/v1/budgets/tenant/globex', {
      key: api.keys.admin,
      body: { limitUsd: 1, period: 'day' },
    });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'BUDGET_NOT_FOUND']);
    expect((await api.json<{ data: Budget[] }>('GET', '/v1/budgets', { key: api.keys.admin })).body.data).toEqual([]);
    expect((await api.json('GET', '/v1/budgets/user/ana', { key: api.keys.admin })).status).toBe(404);
    expect((await api.json<{ data: Budget[] }>('GET', '/v1/budgets', { key: api.keys.other })).body.data).toHaveLength(1);
  });

  it('lets only admin keys set budgets, and admin and viewer keys read them', async () => {
    api = await createTestApi({ agents: [greeter()] });
    for (const key of [api.keys.app, api.keys.reviewer, api.keys.viewer]) {
      const response = await api.json<{ error: { code: string } }>('PUT', '/v1/budgets/user/ana', { key, body: { limitUsd: 1, period: 'day' } });
      expect([response.status, response.body.error.code]).toEqual([403, 'FORBIDDEN']);
    }
    for (const key of [api.keys.app, api.keys.reviewer]) expect((await api.json('GET', '/v1/budgets', { key })).status).toBe(403);
  });

  it('describes the endpoints in the OpenAPI document', async () => {
    api = await createTestApi({ agents: [greeter()] });
    const document = await api.json<{ paths: Record<string, Record<string, { 'x-keel-permission'?: string }>> }>('GET', '/openapi.json', { key: null });
    expect(document.status).toBe(200);
    expect(document.body.paths['/v1/budgets/{scope}/{id}']?.put?.['x-keel-permission']).toBe('budgets:write');
    expect(document.body.paths['/v1/usage']?.get?.['x-keel-permission']).toBe('usage:read');
  });
});
