import type { BudgetStatus } from '../store/budget-store.ts';
import type { Admission } from './admission.ts';

/** A settled model call: what it cost and the budgets covering it as they now stand. */
export interface SettledSpend {
  tenantId: string;
  runId: string;
  costNanoUsd: number;
  budgets: BudgetStatus[];
}

/**
 * The budgets an admitted call settled against, as they stand once its cost is recorded: the
 * reservation leaves their reserved sums and the cost joins their spend. `undefined` for a free
 * call, which changes no budget (and so raises no alert).
 *
 * @example
 * const spend = settledSpend({ tenantId, runId, admission, costNanoUsd });
 * if (spend !== undefined) onSpend(spend);
 */
export function settledSpend(input: {
  tenantId: string;
  runId: string;
  admission: Extract<Admission, { ok: true }>;
  costNanoUsd: number;
}): SettledSpend | undefined {
  const { admission, costNanoUsd } = input;
  if (costNanoUsd <= 0) return undefined;
  const budgets = admission.budgets.map((budget) => ({
    ...budget,
    spentNanoUsd: budget.spentNanoUsd + costNanoUsd,
    reservedNanoUsd: Math.max(0, budget.reservedNanoUsd - admission.amountNanoUsd),
  }));
  return { tenantId: input.tenantId, runId: input.runId, costNanoUsd, budgets };
}
