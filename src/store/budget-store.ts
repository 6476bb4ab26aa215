/**
 * The part of the Store port that accounts for money: the usage ledger (one row per journaled
 * model call), budgets, and reservations held while a model call is in flight.
 *
 * Spend is never kept as a counter: a budget's spend in its current period is the sum of the
 * ledger rows it covers, so a budget created or raised mid-period sees the true spend at once and
 * nothing can drift. Amounts are whole nanodollars (1e-9 USD), so sums are exact.
 */
export interface BudgetStore {
  /** Creates or replaces the budget of one scope (`PUT /v1/budgets/:scope/:id`). */
  putBudget(input: PutBudgetInput): Promise<BudgetStatus>;
  /**
   * Deletes the budget of one scope; false when there was none. In the same transaction it drops
   * the reservations no remaining budget covers, so "a run no budget covers holds no
   * reservation" stays true (`reserveBudget` relies on it) and a budget set again later starts
   * without holds of calls that were never checked against it.
   */
  deleteBudget(input: BudgetKey): Promise<boolean>;
  /** The tenant's budgets (optionally of one scope / id), each with its current-period spend. */
  listBudgets(tenantId: string, query: { scope?: BudgetScope; scopeId?: string; now: Date }): Promise<BudgetStatus[]>;
  /**
   * Reserves `amountNanoUsd` against every budget covering the subject (its tenant, user, agent
   * and session), all or nothing, in one transaction — so concurrent calls of many processes
   * can never together overshoot a budget by more than the estimates' error. First drops any
   * reservation the run still holds (it belongs to an attempt that died). With no budget
   * covering the subject nothing is written and `{ ok: true, reserved: false }` is returned.
   */
  reserveBudget(input: ReserveInput): Promise<ReserveResult>;
  /**
   * Whether any budget covers the subject: one indexed read, so a caller can skip estimating a
   * call's cost (token counting) when nothing would be checked against it.
   */
  hasCoveringBudget(subject: BudgetSubject): Promise<boolean>;
  /** Drops the reservations a run holds (when it parks or ends without settling). */
  releaseReservations(runId: string): Promise<void>;
  /** Usage totals grouped by `groupBy` over `[from, to)`, biggest cost first. */
  queryUsage(query: UsageQuery): Promise<UsageTotals[]>;
  /**
   * Moves the tenant's runs waiting for `reason` back to `queued`, so any worker resumes them:
   * after a budget was raised, or a credential set (then `userId` narrows it to that user's
   * runs). A run whose reason has not really cleared simply parks again. Returns their ids.
   */
  requeueWaiting(tenantId: string, reason: RequeueReason, filter?: { userId?: string }): Promise<string[]>;
  /** Records that an alert was sent; false if one with this key was recorded before (dedupe across processes). */
  recordAlert(input: { tenantId: string; key: string; kind: string; payload: Record<string, unknown>; now: Date }): Promise<boolean>;
}

/** The waiting reasons something other than a person's decision clears. */
export type RequeueReason = 'budget' | 'credential';

export type BudgetScope = 'tenant' | 'user' | 'agent' | 'session';
export type BudgetPeriod = 'day' | 'month' | 'total';

/** Which budget: one per tenant, scope and id. */
export interface BudgetKey {
  tenantId: string;
  scope: BudgetScope;
  scopeId: string;
}

export interface PutBudgetInput extends BudgetKey {
  limitNanoUsd: number;
  period: BudgetPeriod;
  now: Date;
}

export interface BudgetStatus {
  tenantId: string;
  scope: BudgetScope;
  scopeId: string;
  period: BudgetPeriod;
  limitNanoUsd: number;
  /** Settled spend in the current period (UTC day / month, or all time). */
  spentNanoUsd: number;
  /** Held by calls in flight. */
  reservedNanoUsd: number;
  /** Start of the current period (ISO), or null for `total`. */
  periodStart: string | null;
  updatedAt: string;
}

/** Who a model call is for: every budget of these scopes applies. */
export interface BudgetSubject {
  tenantId: string;
  userId: string;
  agent: string;
  sessionId: string;
}

export interface ReserveInput {
  reservationId: string;
  runId: string;
  subject: BudgetSubject;
  amountNanoUsd: number;
  now: Date;
}

export type ReserveResult =
  | { ok: true; reserved: boolean; budgets: BudgetStatus[] }
  /** `exhausted`: the first budget that cannot cover the amount, with its spend and reservations. */
  | { ok: false; exhausted: BudgetStatus; budgets: BudgetStatus[] };

/** One journaled model call, as the ledger records it. Written by `append` (RunPatch.usageEntry). */
export interface UsageEntry {
  step: number;
  provider: string;
  modelId: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costNanoUsd: number;
  latencyMs: number;
  /** The reservation this call settles, if one was made. */
  reservationId?: string;
}

export type UsageGroupBy = 'user' | 'agent' | 'model' | 'tenant';

export interface UsageQuery {
  tenantId: string;
  groupBy: UsageGroupBy;
  from?: Date;
  to?: Date;
}

export interface UsageTotals {
  /** The user id, agent name, `provider:model`, or tenant id. */
  key: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costNanoUsd: number;
  calls: number;
}
