import { KeelError } from '../../errors/index.ts';
import { assertBudgetKey, assertNanoUsd, assertTimeRange, assertUsageEntry, budgetPeriodRange, budgetScopes, decideReservation } from '../budget-rules.ts';
import type {
  BudgetPeriod,
  BudgetScope,
  BudgetStatus,
  BudgetStore,
  BudgetSubject,
  PutBudgetInput,
  ReserveInput,
  ReserveResult,
  UsageEntry,
  UsageQuery,
  UsageTotals,
} from '../budget-store.ts';
import { budgetTotalsStatement, queryUsageStatement, type BudgetStatements } from './budget-statements.ts';
import { toStoreError } from './open-database.ts';
import { integer, text, type Row } from './rows.ts';

/*
 * Timestamps are ISO-8601 strings, which sort as text: an unbounded side of a range becomes a
 * string below or above every timestamp this store writes ('' and '~' bracket all of them).
 */
const beforeAll = '';
const afterAll = '~';

/**
 * The SQLite side of {@link BudgetStore}, spread into the SQLite store: it shares the store's
 * prepared statements (which include `budgetSql`), its write transactions and its clock.
 *
 * @example
 * const store = { ...createSqliteBudgetStore(statements, transaction, now), ...otherMethods };
 */
export function createSqliteBudgetStore(statements: () => BudgetStatements, transaction: <T>(work: () => T) => T, now: () => Date): BudgetStore {
  return {
    putBudget: (input) => guard(() => transaction(() => putBudget(statements(), input))),
    deleteBudget: (input) =>
      guard(() =>
        transaction(() => {
          assertBudgetKey(input);
          const s = statements();
          const values = { tenant_id: input.tenantId, scope: input.scope, scope_id: input.scopeId };
          if (s.deleteBudget.get(values) === undefined) return false;
          s.deleteUncoveredReservations.run({ tenant_id: input.tenantId });
          return true;
        }),
      ),
    listBudgets: (tenantId, query) => guard(() => listBudgets(statements(), tenantId, query)),
    reserveBudget: (input) => guard(() => reserveBudget(statements(), transaction, input)),
    hasCoveringBudget: (subject) => guard(() => statements().findSubjectBudgets.all(...subjectParameters(subject)).length > 0),
    releaseReservations: (runId) => guard(() => void statements().deleteRunReservations.run(runId)),
    queryUsage: (query) => guard(() => queryUsage(statements(), query)),
    requeueWaiting: (tenantId, reason, filter) =>
      guard(() => {
        const rows: Row[] = statements().requeueWaiting.all({ tenant_id: tenantId, reason, user_id: filter?.userId ?? null, now: now().toISOString() });
        return rows.map((row) => text(row, 'id'));
      }),
    recordAlert: (input) =>
      guard(() => {
        const row = statements().recordAlert.get({
          tenant_id: input.tenantId,
          key: input.key,
          kind: input.kind,
          payload: JSON.stringify(input.payload),
          at: input.now.toISOString(),
        });
        return row !== undefined;
      }),
  };
}

/**
 * Writes a model call's ledger row and settles its reservation. Called by `append` inside its
 * write transaction, with the run's subject as the fenced UPDATE returned it, so the spend and
 * the journaled `model-response` commit together or not at all (a retried call that never
 * committed is never billed).
 */
export function recordUsage(s: BudgetStatements, run: Row, runId: string, entry: UsageEntry, at: string): void {
  assertUsageEntry(entry);
  // In the order of the statement's columns (see budget-statements.ts).
  s.insertUsage.run(
    text(run, 'tenant_id'),
    runId,
    entry.step,
    text(run, 'user_id'),
    text(run, 'agent'),
    text(run, 'session_id'),
    entry.provider,
    entry.modelId,
    entry.inputTokens,
    entry.outputTokens,
    entry.cachedTokens,
    entry.costNanoUsd,
    entry.latencyMs,
    at,
  );
  // A call that cost nothing adds nothing to any budget's day.
  if (entry.costNanoUsd > 0) {
    s.addUsageDays.run({
      tenant_id: text(run, 'tenant_id'),
      user_id: text(run, 'user_id'),
      agent: text(run, 'agent'),
      session_id: text(run, 'session_id'),
      day: at.slice(0, 10),
      cost_nano_usd: entry.costNanoUsd,
    });
  }
  if (entry.reservationId !== undefined) s.settleReservation.run(entry.reservationId, runId);
}

function guard<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}

function putBudget(s: BudgetStatements, input: PutBudgetInput): BudgetStatus {
  assertBudgetKey(input);
  assertNanoUsd(input.limitNanoUsd, 'limitNanoUsd');
  const row = s.upsertBudget.get({
    tenant_id: input.tenantId,
    scope: input.scope,
    scope_id: input.scopeId,
    period: input.period,
    limit_nano_usd: input.limitNanoUsd,
    now: input.now.toISOString(),
  });
  if (row === undefined) throw new KeelError({ code: 'INTERNAL', message: 'A budget write returned no row' });
  return budgetStatus(s, row, input.now);
}

function listBudgets(s: BudgetStatements, tenantId: string, query: { scope?: BudgetScope; scopeId?: string; now: Date }): BudgetStatus[] {
  const rows: Row[] = s.listBudgets.all({ tenant_id: tenantId, scope: query.scope ?? null, scope_id: query.scopeId ?? null });
  return sortBudgets(rows).map((row) => budgetStatus(s, row, query.now));
}

function reserveBudget(s: BudgetStatements, transaction: <T>(work: () => T) => T, input: ReserveInput): ReserveResult {
  assertNanoUsd(input.amountNanoUsd, 'amountNanoUsd');
  // The common case, run before every model call: no budget covers the subject. One indexed
  // read, outside any write transaction, so unbudgeted calls never queue on SQLite's write
  // lock. Skipping the drop of the run's old reservations is safe here: reservations are only
  // written while a budget covers the subject, deleting a budget drops the reservations it
  // leaves uncovered, and a run's subject never changes — so a run with no budget now holds none.
  if (s.findSubjectBudgets.all(...subjectParameters(input.subject)).length === 0) return { ok: true, reserved: false, budgets: [] };

  // Otherwise decide and write in one BEGIN IMMEDIATE transaction: the write lock is taken
  // before the sums are read, so two processes can never both see the same room in a budget.
  return transaction(() => {
    s.deleteRunReservations.run(input.runId);
    const rows: Row[] = s.findSubjectBudgets.all(...subjectParameters(input.subject));
    if (rows.length === 0) return { ok: true, reserved: false, budgets: [] };
    const budgets = sortBudgets(rows).map((row) => budgetStatus(s, row, input.now));
    const decision = decideReservation(budgets, input.amountNanoUsd);
    if (!decision.fits) return { ok: false, exhausted: decision.exhausted, budgets };
    s.insertReservation.run({
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

function queryUsage(s: BudgetStatements, query: UsageQuery): UsageTotals[] {
  assertTimeRange(query.from, query.to);
  const statement = s[queryUsageStatement[query.groupBy]];
  const rows: Row[] = statement.all({
    tenant_id: query.tenantId,
    from: query.from?.toISOString() ?? beforeAll,
    to: query.to?.toISOString() ?? afterAll,
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

/** A budget row with its spend in the period that contains `now`, and what is reserved against it. */
function budgetStatus(s: BudgetStatements, row: Row, now: Date): BudgetStatus {
  // The CHECK constraints on `scope` and `period` keep these casts honest.
  const scope = text(row, 'scope') as BudgetScope;
  const period = text(row, 'period') as BudgetPeriod;
  const tenantId = text(row, 'tenant_id');
  const scopeId = text(row, 'scope_id');
  const range = budgetPeriodRange(period, now);
  const totals = s[budgetTotalsStatement[scope]].get({
    tenant_id: tenantId,
    scope_id: scopeId,
    from: range.start?.toISOString() ?? beforeAll,
    to: range.end?.toISOString() ?? afterAll,
  });
  if (totals === undefined) throw new KeelError({ code: 'INTERNAL', message: 'A budget sum returned no row' });
  return {
    tenantId,
    scope,
    scopeId,
    period,
    limitNanoUsd: integer(row, 'limit_nano_usd'),
    spentNanoUsd: integer(totals, 'spent'),
    reservedNanoUsd: integer(totals, 'reserved'),
    periodStart: range.start?.toISOString() ?? null,
    updatedAt: text(row, 'updated_at'),
  };
}

/** Widest scope first (the order of {@link budgetScopes}), then by id: a stable answer for callers and tests. */
function sortBudgets(rows: Row[]): Row[] {
  const rank = (row: Row) => budgetScopes.indexOf(text(row, 'scope') as BudgetScope);
  return [...rows].sort((a, b) => rank(a) - rank(b) || (text(a, 'scope_id') < text(b, 'scope_id') ? -1 : text(a, 'scope_id') > text(b, 'scope_id') ? 1 : 0));
}

/** `findSubjectBudgets`'s parameters, in its order: tenant, user, agent, session. */
function subjectParameters(subject: BudgetSubject): [string, string, string, string] {
  return [subject.tenantId, subject.userId, subject.agent, subject.sessionId];
}
