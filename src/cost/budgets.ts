import { KeelError } from '../errors/index.ts';
import { assertBudgetKey } from '../store/budget-rules.ts';
import type { BudgetKey, BudgetPeriod, BudgetScope, BudgetStatus, BudgetStore } from '../store/budget-store.ts';
import { nanoFromUsd, usdFromNano } from '../gateway/pricing/index.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { AuditActor } from '../vault/audit-chain.ts';
import { recordAudit, systemActor } from '../vault/audit-log.ts';

/**
 * The largest limit whose nanodollars a double still holds exactly (the store keeps money as
 * whole nanodollars, so every sum is exact): about 9 million USD per budget.
 */
export const maxBudgetLimitUsd = 9_000_000;

export interface SetBudgetInput {
  tenantId: string;
  scope: BudgetScope;
  /** The user id, agent name or session id; for `tenant`, the tenant's own id. */
  scopeId: string;
  limitUsd: number;
  period: BudgetPeriod;
  now?: Date;
  /** Who changed it, for the audit log (`budget.set`). Default: Keel itself (`system:keel`). */
  actor?: AuditActor;
}

/** A budget in dollars, as the API and the dashboard show it. */
export interface BudgetView {
  scope: BudgetScope;
  scopeId: string;
  period: BudgetPeriod;
  limitUsd: number;
  spentUsd: number;
  reservedUsd: number;
  periodStart: string | null;
  updatedAt: string;
}

/**
 * Creates or replaces a budget. When the change gives the budget more room (a higher limit, or
 * another period), the tenant's runs waiting with reason `budget` are queued again, so any worker
 * resumes them: a run that still does not fit simply parks again. This is the one way budgets
 * are set, from code and from `PUT /v1/budgets/{scope}/{id}` alike.
 *
 * @example
 * const { budget, requeued } = await setBudget(store, { tenantId: 'acme', scope: 'user', scopeId: 'ana', limitUsd: 5, period: 'day' });
 */
export async function setBudget(
  store: Pick<BudgetStore, 'listBudgets' | 'putBudget' | 'requeueWaiting'> & Partial<Pick<AuditStore, 'appendAudit'>>,
  input: SetBudgetInput,
): Promise<{ budget: BudgetStatus; requeued: string[] }> {
  if (!(typeof input.limitUsd === 'number' && Number.isFinite(input.limitUsd) && input.limitUsd >= 0 && input.limitUsd <= maxBudgetLimitUsd)) {
    throw new KeelError({
      code: 'INPUT_INVALID',
      message: `limitUsd must be a number of dollars from 0 to ${maxBudgetLimitUsd}`,
      details: { limitUsd: input.limitUsd },
    });
  }
  assertBudgetKey(input);
  const now = input.now ?? new Date();
  const [before] = await store.listBudgets(input.tenantId, { scope: input.scope, scopeId: input.scopeId, now });
  const budget = await store.putBudget({
    tenantId: input.tenantId,
    scope: input.scope,
    scopeId: input.scopeId,
    limitNanoUsd: nanoFromUsd(input.limitUsd),
    period: input.period,
    now,
  });
  // Only a budget with more room can unblock a run; requeueing on any other change would only
  // make the waiting runs park again.
  const raised = before !== undefined && (budget.limitNanoUsd > before.limitNanoUsd || budget.period !== before.period);
  const requeued = raised ? await store.requeueWaiting(input.tenantId, 'budget') : [];
  if (store.appendAudit !== undefined) {
    await recordAudit(store as Pick<AuditStore, 'appendAudit'>, {
      tenantId: input.tenantId,
      actor: input.actor ?? systemActor,
      action: 'budget.set',
      subject: `budget:${input.scope}/${input.scopeId}`,
      details: {
        scope: input.scope,
        scopeId: input.scopeId,
        limitUsd: input.limitUsd,
        period: input.period,
        ...(before === undefined ? {} : { previousLimitUsd: usdFromNano(before.limitNanoUsd), previousPeriod: before.period }),
      },
      now: () => now,
    });
  }
  return { budget, requeued };
}

/**
 * Deletes a budget. Runs of the tenant waiting with reason `budget` are queued again, as after a
 * raise: with one budget fewer covering them they may fit now, and a run that still does not
 * (another budget is exhausted) simply parks again. The one way budgets are deleted, from code
 * and from `DELETE /v1/budgets/{scope}/{id}` alike; a deletion is audited (`budget.delete`).
 *
 * @example
 * const { deleted, requeued } = await deleteBudget(store, { tenantId: 'acme', scope: 'user', scopeId: 'ana' });
 */
export async function deleteBudget(
  store: Pick<BudgetStore, 'deleteBudget' | 'requeueWaiting'> & Partial<Pick<AuditStore, 'appendAudit'>>,
  input: BudgetKey & { actor?: AuditActor; now?: Date },
): Promise<{ deleted: boolean; requeued: string[] }> {
  assertBudgetKey(input);
  const deleted = await store.deleteBudget({ tenantId: input.tenantId, scope: input.scope, scopeId: input.scopeId });
  const requeued = deleted ? await store.requeueWaiting(input.tenantId, 'budget') : [];
  if (deleted && store.appendAudit !== undefined) {
    const now = input.now ?? new Date();
    await recordAudit(store as Pick<AuditStore, 'appendAudit'>, {
      tenantId: input.tenantId,
      actor: input.actor ?? systemActor,
      action: 'budget.delete',
      subject: `budget:${input.scope}/${input.scopeId}`,
      details: { scope: input.scope, scopeId: input.scopeId },
      now: () => now,
    });
  }
  return { deleted, requeued };
}

/**
 * A budget's figures in dollars.
 *
 * @example
 * budgetView(status).spentUsd; // 0.42
 */
export function budgetView(status: BudgetStatus): BudgetView {
  return {
    scope: status.scope,
    scopeId: status.scopeId,
    period: status.period,
    limitUsd: usdFromNano(status.limitNanoUsd),
    spentUsd: usdFromNano(status.spentNanoUsd),
    reservedUsd: usdFromNano(status.reservedNanoUsd),
    periodStart: status.periodStart,
    updatedAt: status.updatedAt,
  };
}
