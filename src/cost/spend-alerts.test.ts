import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { budget, claimedRun, spend } from '../store/contract/budget-fixtures.ts';
import type { BudgetStatus } from '../store/budget-store.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Lease, Store } from '../store/store.ts';
import type { AlertSink, SpendAlert } from './alert-sink.ts';
import { createSpendAlertCache, evaluateSpendAlerts, type EvaluateSpendAlertsInput } from './spend-alerts.ts';

const day = 86_400_000;
const today = new Date('2030-01-08T12:00:00.000Z');

let store: Store;
let lease: Lease;
let sent: SpendAlert[];
const sink: AlertSink = {
  send(alert) {
    sent.push(alert);
    return Promise.resolve();
  },
};

beforeEach(async () => {
  store = createSqliteStore({ path: ':memory:' });
  await store.migrate();
  lease = await claimedRun(store);
  sent = [];
});

afterEach(async () => {
  await store.close();
});

async function userBudget(now = today): Promise<BudgetStatus[]> {
  return store.listBudgets('tenant-a', { scope: 'user', scopeId: 'user-1', now });
}

function evaluate(overrides: Partial<EvaluateSpendAlertsInput> & { budgets: readonly BudgetStatus[] }): Promise<SpendAlert[]> {
  return evaluateSpendAlerts({ store, sink, costNanoUsd: 10, tenantId: 'tenant-a', now: today, ...overrides });
}

describe('budget-threshold alerts', () => {
  it('fires once when a budget reaches 80% of its limit, across processes', async () => {
    await store.putBudget(budget({ limitNanoUsd: 1_000, period: 'month' }));
    await spend(store, lease, { costNanoUsd: 790 }, today);
    expect(await evaluate({ budgets: await userBudget() })).toEqual([]);

    await spend(store, lease, { costNanoUsd: 10 }, today);
    const [alert] = await evaluate({ budgets: await userBudget() });
    expect(alert).toEqual({
      kind: 'budget-threshold',
      key: 'budget-threshold:user:user-1:2030-01-01T00:00:00.000Z:1000:0.8',
      tenantId: 'tenant-a',
      at: today.toISOString(),
      message: 'The user budget "user-1" has used 80% or more of its monthly limit',
      threshold: 0.8,
      budget: { scope: 'user', scopeId: 'user-1', period: 'month', periodStart: '2030-01-01T00:00:00.000Z', limitUsd: 0.000001, spentUsd: 0.0000008 },
    });

    // Later calls, in this process or another sharing the store, do not repeat it.
    await spend(store, lease, { costNanoUsd: 50 }, today);
    expect(await evaluate({ budgets: await userBudget() })).toEqual([]);
    expect(await evaluate({ budgets: await userBudget(), cache: createSpendAlertCache() })).toEqual([]);
    expect(sent).toEqual([alert]);
  });

  it('fires for each configured threshold, again in a new period, and again once the limit is raised', async () => {
    await store.putBudget(budget({ limitNanoUsd: 100, period: 'day' }));
    await spend(store, lease, { costNanoUsd: 100 }, today);
    const first = await evaluate({ budgets: await userBudget(), thresholds: [0.5, 1] });
    expect(first.map((alert) => alert.kind === 'budget-threshold' && alert.threshold)).toEqual([0.5, 1]);

    // Tomorrow's spend is a spike over today's too; only the threshold alerts matter here.
    const tomorrow = new Date(today.getTime() + day);
    const thresholdKeys = async () =>
      (await evaluate({ budgets: await userBudget(tomorrow), thresholds: [0.5, 1], now: tomorrow }))
        .filter((alert) => alert.kind === 'budget-threshold')
        .map((alert) => alert.key);
    await spend(store, lease, { costNanoUsd: 60 }, tomorrow);
    expect(await thresholdKeys()).toEqual(['budget-threshold:user:user-1:2030-01-09T00:00:00.000Z:100:0.5']);

    await store.putBudget(budget({ limitNanoUsd: 200, period: 'day', now: tomorrow }));
    await spend(store, lease, { costNanoUsd: 50 }, tomorrow);
    expect(await thresholdKeys()).toEqual(['budget-threshold:user:user-1:2030-01-09T00:00:00.000Z:200:0.5']);
  });

  it('raises nothing for a free call or a zero limit', async () => {
    await store.putBudget(budget({ limitNanoUsd: 0 }));
    expect(await evaluate({ budgets: await userBudget() })).toEqual([]);
    await store.putBudget(budget({ limitNanoUsd: 10 }));
    await spend(store, lease, { costNanoUsd: 10 }, today);
    expect(await evaluate({ budgets: await userBudget(), costNanoUsd: 0 })).toEqual([]);
    expect(sent).toEqual([]);
  });
});

describe('cost-spike alerts', () => {
  /** 100 nanodollars on each of the 7 days before today: a daily average of 100. */
  async function history(): Promise<void> {
    for (let back = 1; back <= 7; back += 1) await spend(store, lease, { costNanoUsd: 100 }, new Date(today.getTime() - back * day));
    // Spend 8 days back is outside the baseline.
    await spend(store, lease, { costNanoUsd: 5_000 }, new Date(today.getTime() - 8 * day));
  }

  it('fires once a day when spend today passes twice the 7-day daily average', async () => {
    await history();
    await spend(store, lease, { costNanoUsd: 200 }, today);
    expect(await evaluate({ budgets: [] })).toEqual([]);

    await spend(store, lease, { costNanoUsd: 1 }, today);
    expect(await evaluate({ budgets: [] })).toEqual([
      {
        kind: 'cost-spike',
        key: 'cost-spike:2030-01-08',
        tenantId: 'tenant-a',
        at: today.toISOString(),
        message: 'Spend today is more than 2 times the daily average of the previous 7 days',
        day: '2030-01-08',
        todayUsd: 201e-9,
        dailyAverageUsd: 100e-9,
        factor: 2,
      },
    ]);
    await spend(store, lease, { costNanoUsd: 500 }, today);
    expect(await evaluate({ budgets: [] })).toEqual([]);
    expect(sent).toHaveLength(1);
  });

  it('takes the factor from the settings, and stays quiet without a baseline', async () => {
    await spend(store, lease, { costNanoUsd: 1_000_000 }, today);
    expect(await evaluate({ budgets: [] })).toEqual([]);
    await history();
    expect(await evaluate({ budgets: [], spikeFactor: 20_000 })).toEqual([]);
    expect(await evaluate({ budgets: [], spikeFactor: 5_000 })).toHaveLength(1);
  });

  it('with a cache, reads the baseline once a day and stops reading after the alert', async () => {
    await history();
    let reads = 0;
    const counting: EvaluateSpendAlertsInput['store'] = {
      recordAlert: (input) => store.recordAlert(input),
      queryUsage: (query) => {
        reads += 1;
        return store.queryUsage(query);
      },
    };
    const cache = createSpendAlertCache();
    await evaluate({ budgets: [], store: counting, cache });
    await evaluate({ budgets: [], store: counting, cache });
    expect(reads).toBe(3); // the baseline once, today twice

    await spend(store, lease, { costNanoUsd: 300 }, today);
    expect(await evaluate({ budgets: [], store: counting, cache })).toHaveLength(1);
    reads = 0;
    expect(await evaluate({ budgets: [], store: counting, cache })).toEqual([]);
    expect(reads).toBe(0);
  });
});

describe('evaluateSpendAlerts failures', () => {
  it('never throws when the store or the sink fails', async () => {
    const broken: EvaluateSpendAlertsInput['store'] = {
      recordAlert: () => Promise.reject(new Error('disk full')),
      queryUsage: () => Promise.reject(new Error('disk full')),
    };
    await store.putBudget(budget({ limitNanoUsd: 10 }));
    await spend(store, lease, { costNanoUsd: 10 }, today);
    expect(await evaluate({ budgets: await userBudget(), store: broken })).toEqual([]);

    const throwingSink: AlertSink = { send: () => Promise.reject(new Error('sink down')) };
    expect(await evaluate({ budgets: await userBudget(), sink: throwingSink })).toHaveLength(1);
  });
});
