import type { Pool } from 'pg';
import { assertBudgetKey, assertNanoUsd, assertTimeRange, budgetPeriodRange, budgetScopes, decideReservation } from '../budget-rules.ts';
import type {
  BudgetPeriod,
  BudgetScope,
  BudgetStatus,
  BudgetStore,
  BudgetSubject,
  ReserveInput,
  ReserveResult,
  UsageQuery,
  UsageTotals,
} from '../budget-store.ts';
import { budgetSql, queryUsageStatement } from './budget-statements.ts';
import { query, queryOne, type Row } from './named-sql.ts';
import { guard, inTransaction } from './open-pool.ts';
import { integer, text, timestamp } from './rows.ts';

/**
 * The PostgreSQL side of {@link BudgetStore}, spread into the PostgreSQL store.
 *
 * @example
 * const store = { ...createPostgresBudgetStore(pool, now), ...otherMethods };
 */
export function createPostgresBudgetStore(pool: Pool, now: () => Date): BudgetStore {
  return {
    putBudget: (input) =>
      guard(async () => {
        assertBudgetKey(input);
        assertNanoUsd(input.limitNanoUsd, 'limitNanoUsd');
        const row = await queryOne(pool, budgetSql.putBudget, {
          tenant_id: input.tenantId,
          scope: input.scope,
          scope_id: input.scopeId,
          period: input.period,
          limit_nano_usd: input.limitNanoUsd,
          ...periodValues(input.now),
        });
        return toBudgetStatus(row, input.now);
      }),
    deleteBudget: (input) =>
      guard(async () => {
        assertBudgetKey(input);
        return await inTransaction(pool, async (client) => {
          // Deleting the row locks it first, so a reservation being made against it either
          // committed before (and is dropped below if nothing else covers it) or finds no budget.
          const deleted = await query(client, budgetSql.deleteBudget, { tenant_id: input.tenantId, scope: input.scope, scope_id: input.scopeId });
          if (deleted.length === 0) return false;
          await query(client, budgetSql.deleteUncoveredReservations, { tenant_id: input.tenantId });
          return true;
        });
      }),
    listBudgets: (tenantId, listQuery) =>
      guard(async () => {
        const rows = await query(pool, budgetSql.listBudgets, {
          tenant_id: tenantId,
          scope: listQuery.scope ?? null,
          scope_id: listQuery.scopeId ?? null,
          ...periodValues(listQuery.now),
        });
        return sortBudgets(rows.map((row) => toBudgetStatus(row, listQuery.now)));
      }),
    reserveBudget: (input) => guard(() => reserveBudget(pool, input)),
    hasCoveringBudget: (subject) => guard(() => hasCoveringBudget(pool, subject)),
    releaseReservations: (runId) =>
      guard(async () => {
        await query(pool, budgetSql.deleteRunReservations, { run_id: runId });
      }),
    queryUsage: (usageQuery) => guard(() => queryUsage(pool, usageQuery)),
    requeueWaiting: (tenantId, reason, filter) =>
      guard(async () => {
        const rows = await query(pool, budgetSql.requeueWaiting, { tenant_id: tenantId, reason, user_id: filter?.userId ?? null, now: now().toISOString() });
        return rows.map((row) => text(row, 'id'));
      }),
    recordAlert: (input) =>
      guard(async () => {
        const rows = await query(pool, budgetSql.recordAlert, {
          tenant_id: input.tenantId,
          key: input.key,
          kind: input.kind,
          payload: JSON.stringify(input.payload),
          at: input.now.toISOString(),
        });
        return rows.length > 0;
      }),
  };
}

async function hasCoveringBudget(pool: Pool, subject: BudgetSubject): Promise<boolean> {
  return (await queryOne(pool, budgetSql.hasCoveringBudget, subjectValues(subject))).covered === true;
}

async function reserveBudget(pool: Pool, input: ReserveInput): Promise<ReserveResult> {
  assertNanoUsd(input.amountNanoUsd, 'amountNanoUsd');
  // The common case, run before every model call: no budget covers the subject. One indexed
  // read, outside any transaction. Skipping the drop of the run's old reservations is safe here:
  // reservations are only written while a budget covers the subject, deleting a budget drops the
  // reservations it leaves uncovered, and a run's subject never changes — so a run with no budget
  // now holds none.
  if (!(await hasCoveringBudget(pool, input.subject))) return { ok: true, reserved: false, budgets: [] };

  return await inTransaction(pool, async (client): Promise<ReserveResult> => {
    // Lock the covering budget rows first; the sums below are then read by a later statement,
    // whose snapshot (READ COMMITTED) includes every reservation committed by whoever held
    // these rows before — so two nodes can never both see the same room in a budget.
    const locked = await query(client, budgetSql.lockSubjectBudgets, { ...subjectValues(input.subject), run_id: input.runId });
    if (locked.length === 0) return { ok: true, reserved: false, budgets: [] };
    const rows = await query(client, budgetSql.subjectBudgets, { ...subjectValues(input.subject), ...periodValues(input.now) });
    const budgets = sortBudgets(rows.map((row) => toBudgetStatus(row, input.now)));
    const decision = decideReservation(budgets, input.amountNanoUsd);
    if (!decision.fits) return { ok: false, exhausted: decision.exhausted, budgets };
    await query(client, budgetSql.insertReservation, {
      id: input.reservationId,
      tenant_id: input.subject.tenantId,
      run_id: input.runId,
      user_id: input.subject.userId,
      agent: input.subject.agent,
      session_id: input.subject.sessionId,
      amount_nano_usd: input.amountNanoUsd,
      now: input.now.toISOString(),
    });
    return { ok: true, reserved: true, budgets: decision.reserved };
  });
}

async function queryUsage(pool: Pool, usageQuery: UsageQuery): Promise<UsageTotals[]> {
  assertTimeRange(usageQuery.from, usageQuery.to);
  const rows = await query(pool, budgetSql[queryUsageStatement[usageQuery.groupBy]], {
    tenant_id: usageQuery.tenantId,
    // timestamptz has infinities: an open side of the range needs no special case.
    from: usageQuery.from?.toISOString() ?? '-infinity',
    to: usageQuery.to?.toISOString() ?? 'infinity',
  });
  return rows.map((row) => ({
    key: text(row, 'group_key'),
    inputTokens: integer(row, 'input_tokens'),
    outputTokens: integer(row, 'output_tokens'),
    cachedTokens: integer(row, 'cached_tokens'),
    costNanoUsd: integer(row, 'total_cost'),
    calls: integer(row, 'calls'),
  }));
}

/** The day and month containing `now`: the bounds a day or month budget sums over. */
function periodValues(now: Date): Record<string, string | null> {
  const day = budgetPeriodRange('day', now);
  const month = budgetPeriodRange('month', now);
  return {
    day_start: day.start?.toISOString() ?? null,
    day_end: day.end?.toISOString() ?? null,
    month_start: month.start?.toISOString() ?? null,
    month_end: month.end?.toISOString() ?? null,
    now: now.toISOString(),
  };
}

function subjectValues(subject: BudgetSubject): Record<string, string> {
  return { tenant_id: subject.tenantId, user_id: subject.userId, agent: subject.agent, session_id: subject.sessionId };
}

function toBudgetStatus(row: Row, now: Date): BudgetStatus {
  // The CHECK constraints on `scope` and `period` keep these casts honest.
  const period = text(row, 'period') as BudgetPeriod;
  return {
    tenantId: text(row, 'tenant_id'),
    scope: text(row, 'scope') as BudgetScope,
    scopeId: text(row, 'scope_id'),
    period,
    limitNanoUsd: integer(row, 'limit_nano_usd'),
    spentNanoUsd: integer(row, 'spent'),
    reservedNanoUsd: integer(row, 'reserved'),
    periodStart: budgetPeriodRange(period, now).start?.toISOString() ?? null,
    updatedAt: timestamp(row, 'updated_at'),
  };
}

/** Widest scope first (the order of {@link budgetScopes}), then by id (code units, as SQLite compares): a stable answer. */
function sortBudgets(budgets: BudgetStatus[]): BudgetStatus[] {
  const rank = (budget: BudgetStatus) => budgetScopes.indexOf(budget.scope);
  return [...budgets].sort((a, b) => rank(a) - rank(b) || (a.scopeId < b.scopeId ? -1 : a.scopeId > b.scopeId ? 1 : 0));
}
