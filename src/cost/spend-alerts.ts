import type { BudgetStatus, BudgetStore } from '../store/budget-store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { defaultBudgetThresholds, defaultCostSpikeFactor, type AlertSettings } from './alert-settings.ts';
import type { SettledSpend } from './settlement.ts';
import type { AlertSink, BudgetThresholdAlert, CostSpikeAlert, SpendAlert } from './alert-sink.ts';

const dayMs = 86_400_000;
const periodWord = { day: 'daily', month: 'monthly', total: 'total' } as const;
const baselineDays = 7;

export interface EvaluateSpendAlertsInput {
  store: Pick<BudgetStore, 'queryUsage' | 'recordAlert'>;
  sink: AlertSink;
  /** The budgets that cover the call, as they stand after it was settled (its cost is in `spentNanoUsd`). */
  budgets: readonly BudgetStatus[];
  /** What the settled call cost. A free call changes no spend, so it raises nothing. */
  costNanoUsd: number;
  tenantId: string;
  now: Date;
  /** Default `[0.8]` (`defineConfig({ alerts: { budgetThresholds } })`). */
  thresholds?: readonly number[];
  /** Default 2 (`defineConfig({ alerts: { costSpikeFactor } })`). */
  spikeFactor?: number;
  /** Saves repeated ledger reads across calls; see {@link createSpendAlertCache}. */
  cache?: SpendAlertCache;
  /** Where a failure to read the ledger or record an alert is logged. Without it, failures are dropped. */
  logger?: Logger;
}

/**
 * What one process remembers between calls so the spike check reads the ledger once per call
 * at most: each tenant's 7-day baseline for the day it was computed, and the day its spike
 * alert was last raised. Holds one entry per tenant; keep one per runtime.
 */
export interface SpendAlertCache {
  readonly baselines: Map<string, { day: string; dailyAverageNanoUsd: number }>;
  readonly spikeRaised: Map<string, string>;
}

/**
 * A cache for {@link evaluateSpendAlerts}.
 *
 * @example
 * const cache = createSpendAlertCache(); // once per runtime
 */
export function createSpendAlertCache(): SpendAlertCache {
  return { baselines: new Map(), spikeRaised: new Map() };
}

/**
 * Raises the spend alerts a settled model call may trigger, and sends each through `sink`:
 *
 * - `budget-threshold` when a covering budget's spend reaches a threshold (default 80%) of its
 *   limit — once per budget, period, limit and threshold;
 * - `cost-spike` when the tenant's spend today (UTC) is over `spikeFactor` (default 2) times its
 *   daily average over the previous 7 days — once per tenant and day. A tenant with no spend in
 *   those 7 days has no baseline and raises none.
 *
 * Each alert is first recorded with `store.recordAlert`, whose key makes it unique across
 * processes, and sent only by the process whose record won. Never throws: alerting must not
 * fail the run. Resolves once the sink has delivered (or given up on) what was raised, and
 * returns those alerts.
 *
 * @example
 * // after the append that settled a model call:
 * const budgets = await store.listBudgets(run.tenantId, { now });
 * await evaluateSpendAlerts({ store, sink, budgets, costNanoUsd, tenantId: run.tenantId, now, cache, logger });
 */
export async function evaluateSpendAlerts(input: EvaluateSpendAlertsInput): Promise<SpendAlert[]> {
  if (!(input.costNanoUsd > 0)) return [];
  const raised: SpendAlert[] = [];
  const candidates = [...thresholdAlerts(input), ...(await guarded(input, () => spikeAlert(input), []))];
  for (const alert of candidates) {
    const recorded = await guarded(
      input,
      () => input.store.recordAlert({ tenantId: alert.tenantId, key: alert.key, kind: alert.kind, payload: { ...alert }, now: input.now }),
      false,
    );
    if (!recorded) continue;
    if (alert.kind === 'cost-spike') input.cache?.spikeRaised.set(alert.tenantId, alert.day);
    // Sinks promise not to throw; a hand-written one might.
    await guarded(input, () => input.sink.send(alert), undefined);
    raised.push(alert);
  }
  return raised;
}

/**
 * One runtime's spend alerting: given each settled call, raises what it triggers through `sink`
 * with the thresholds and spike factor of `settings`, remembering baselines between calls.
 * What the runtime's `onSpend` hook is wired to.
 *
 * @example
 * const onSpend = createSpendAlerter({ store, sink: alertSinkFromSettings({ settings: config.alerts, env, logger }), settings: config.alerts, logger });
 */
export function createSpendAlerter(options: {
  store: Pick<BudgetStore, 'queryUsage' | 'recordAlert'>;
  sink: AlertSink;
  settings?: AlertSettings;
  logger?: Logger;
  now?: () => Date;
}): (spend: SettledSpend) => Promise<SpendAlert[]> {
  const cache = createSpendAlertCache();
  const now = options.now ?? (() => new Date());
  const { budgetThresholds, costSpikeFactor } = options.settings ?? {};
  return (spend) =>
    evaluateSpendAlerts({
      store: options.store,
      sink: options.sink,
      budgets: spend.budgets,
      costNanoUsd: spend.costNanoUsd,
      tenantId: spend.tenantId,
      now: now(),
      cache,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(budgetThresholds === undefined ? {} : { thresholds: budgetThresholds }),
      ...(costSpikeFactor === undefined ? {} : { spikeFactor: costSpikeFactor }),
    });
}

function thresholdAlerts(input: EvaluateSpendAlertsInput): BudgetThresholdAlert[] {
  const alerts: BudgetThresholdAlert[] = [];
  for (const budget of input.budgets) {
    // A zero limit is a stop, not a budget to watch: every call to it is refused anyway.
    if (budget.limitNanoUsd === 0 || budget.tenantId !== input.tenantId) continue;
    for (const threshold of input.thresholds ?? defaultBudgetThresholds) {
      if (budget.spentNanoUsd < threshold * budget.limitNanoUsd) continue;
      const percent = Math.round(threshold * 100);
      alerts.push({
        kind: 'budget-threshold',
        // The limit is part of the key: a raised budget that is used up again warns again.
        key: `budget-threshold:${budget.scope}:${budget.scopeId}:${budget.periodStart ?? 'total'}:${budget.limitNanoUsd}:${threshold}`,
        tenantId: budget.tenantId,
        at: input.now.toISOString(),
        message: `The ${budget.scope} budget "${budget.scopeId}" has used ${percent}% or more of its ${periodWord[budget.period]} limit`,
        threshold,
        budget: {
          scope: budget.scope,
          scopeId: budget.scopeId,
          period: budget.period,
          periodStart: budget.periodStart,
          limitUsd: budget.limitNanoUsd / 1e9,
          spentUsd: budget.spentNanoUsd / 1e9,
        },
      });
    }
  }
  return alerts;
}

async function spikeAlert(input: EvaluateSpendAlertsInput): Promise<CostSpikeAlert[]> {
  const dayStart = new Date(Math.floor(input.now.getTime() / dayMs) * dayMs);
  const day = dayStart.toISOString().slice(0, 10);
  if (input.cache?.spikeRaised.get(input.tenantId) === day) return [];

  const dailyAverage = await dailyAverageNanoUsd(input, dayStart, day);
  if (dailyAverage === 0) return [];
  const factor = input.spikeFactor ?? defaultCostSpikeFactor;
  const today = await tenantSpend(input, dayStart, new Date(dayStart.getTime() + dayMs));
  if (today <= factor * dailyAverage) return [];
  return [
    {
      kind: 'cost-spike',
      key: `cost-spike:${day}`,
      tenantId: input.tenantId,
      at: input.now.toISOString(),
      message: `Spend today is more than ${factor} times the daily average of the previous ${baselineDays} days`,
      day,
      todayUsd: today / 1e9,
      dailyAverageUsd: dailyAverage / 1e9,
      factor,
    },
  ];
}

/** The previous 7 days' spend per day, from the cache when it was computed today. */
async function dailyAverageNanoUsd(input: EvaluateSpendAlertsInput, dayStart: Date, day: string): Promise<number> {
  const cached = input.cache?.baselines.get(input.tenantId);
  if (cached?.day === day) return cached.dailyAverageNanoUsd;
  const total = await tenantSpend(input, new Date(dayStart.getTime() - baselineDays * dayMs), dayStart);
  const dailyAverageNanoUsd = total / baselineDays;
  input.cache?.baselines.set(input.tenantId, { day, dailyAverageNanoUsd });
  return dailyAverageNanoUsd;
}

async function tenantSpend(input: EvaluateSpendAlertsInput, from: Date, to: Date): Promise<number> {
  const [totals] = await input.store.queryUsage({ tenantId: input.tenantId, groupBy: 'tenant', from, to });
  return totals?.costNanoUsd ?? 0;
}

async function guarded<T>(input: EvaluateSpendAlertsInput, work: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    input.logger?.warn({ err: error, tenantId: input.tenantId }, 'spend alert evaluation failed');
    return fallback;
  }
}
