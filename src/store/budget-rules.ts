import { KeelError } from '../errors/index.ts';
import type { BudgetPeriod, BudgetScope, BudgetStatus, UsageEntry } from './budget-store.ts';

/** Every budget scope, in the order budgets are listed and checked: the widest first. */
export const budgetScopes: readonly BudgetScope[] = ['tenant', 'user', 'agent', 'session'];
export const budgetPeriods: readonly BudgetPeriod[] = ['day', 'month', 'total'];

/** The current period of a budget: `[start, end)` in UTC, or unbounded (null) for `total`. */
export interface PeriodRange {
  start: Date | null;
  end: Date | null;
}

/**
 * The period a budget's spend is summed over at `now`: the UTC day, the UTC month, or all time.
 * UTC, not the tenant's zone, so every node and every adapter agree on the boundary.
 *
 * @example
 * budgetPeriodRange('month', new Date('2030-02-14T09:00:00Z'));
 * // { start: 2030-02-01T00:00:00.000Z, end: 2030-03-01T00:00:00.000Z }
 */
export function budgetPeriodRange(period: BudgetPeriod, now: Date): PeriodRange {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  if (period === 'day') {
    const start = Date.UTC(year, month, now.getUTCDate());
    return { start: new Date(start), end: new Date(Date.UTC(year, month, now.getUTCDate() + 1)) };
  }
  if (period === 'month') return { start: new Date(Date.UTC(year, month, 1)), end: new Date(Date.UTC(year, month + 1, 1)) };
  return { start: null, end: null };
}

/**
 * Throws `INPUT_INVALID` unless `value` is a whole, non-negative number of nanodollars that a
 * double holds exactly (up to about 9 million USD), so every sum of them stays exact.
 *
 * @example
 * assertNanoUsd(limitNanoUsd, 'limitNanoUsd');
 */
export function assertNanoUsd(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new KeelError({ code: 'INPUT_INVALID', message: `${field} must be a whole, non-negative number of nanodollars`, details: { [field]: value } });
  }
}

/** Throws `INPUT_INVALID` unless `value` is a whole, non-negative count (tokens, milliseconds, steps). */
export function assertCount(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new KeelError({ code: 'INPUT_INVALID', message: `${field} must be a whole, non-negative number`, details: { [field]: value } });
  }
}

/** Throws `INPUT_INVALID` for an unknown scope or period, or a tenant budget named after another tenant. */
export function assertBudgetKey(input: { tenantId: string; scope: string; scopeId: string; period?: string }): void {
  if (!(budgetScopes as readonly string[]).includes(input.scope)) {
    throw new KeelError({ code: 'INPUT_INVALID', message: `Unknown budget scope "${input.scope}"`, details: { scope: input.scope, allowed: budgetScopes } });
  }
  if (input.period !== undefined && !(budgetPeriods as readonly string[]).includes(input.period)) {
    throw new KeelError({
      code: 'INPUT_INVALID',
      message: `Unknown budget period "${input.period}"`,
      details: { period: input.period, allowed: budgetPeriods },
    });
  }
  if (input.scopeId === '') throw new KeelError({ code: 'INPUT_INVALID', message: 'A budget needs a scope id' });
  // A tenant budget is always the caller's own: its id is the tenant id.
  if (input.scope === 'tenant' && input.scopeId !== input.tenantId) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'A tenant budget must be named by its own tenant id', details: { scopeId: input.scopeId } });
  }
}

/** Throws `INPUT_INVALID` when `from` is after `to` or either is not a valid date. */
export function assertTimeRange(from: Date | undefined, to: Date | undefined): void {
  for (const [field, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (value !== undefined && Number.isNaN(value.getTime())) throw new KeelError({ code: 'INPUT_INVALID', message: `${field} is not a valid date` });
  }
  if (from !== undefined && to !== undefined && from.getTime() > to.getTime()) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'from must not be after to', details: { from: from.toISOString(), to: to.toISOString() } });
  }
}

/** Checks a usage-ledger entry before it is written: whole, non-negative counts and amounts. */
export function assertUsageEntry(entry: UsageEntry): void {
  assertCount(entry.step, 'usageEntry.step');
  assertCount(entry.inputTokens, 'usageEntry.inputTokens');
  assertCount(entry.outputTokens, 'usageEntry.outputTokens');
  assertCount(entry.cachedTokens, 'usageEntry.cachedTokens');
  assertCount(entry.latencyMs, 'usageEntry.latencyMs');
  assertNanoUsd(entry.costNanoUsd, 'usageEntry.costNanoUsd');
}

/**
 * Whether `amountNanoUsd` fits every budget covering a call (spend + reservations + amount within
 * each limit): the first budget it does not fit, or the budgets as they stand with it reserved.
 * Both adapters decide with this, inside whatever serialises their reservations.
 */
export function decideReservation(
  budgets: BudgetStatus[],
  amountNanoUsd: number,
): { fits: false; exhausted: BudgetStatus } | { fits: true; reserved: BudgetStatus[] } {
  const exhausted = budgets.find((budget) => budget.spentNanoUsd + budget.reservedNanoUsd + amountNanoUsd > budget.limitNanoUsd);
  if (exhausted !== undefined) return { fits: false, exhausted };
  // Every budget found covers the subject, so the new reservation counts against each.
  return { fits: true, reserved: budgets.map((budget) => ({ ...budget, reservedNanoUsd: budget.reservedNanoUsd + amountNanoUsd })) };
}
