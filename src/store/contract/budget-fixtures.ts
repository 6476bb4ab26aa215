import type { BudgetScope, BudgetStatus, PutBudgetInput, ReserveInput, UsageEntry } from '../budget-store.ts';
import type { Lease, NewRun, Store } from '../store.ts';
import { appendAs, claim, newRun, start, uniqueId, usageUpdate } from './fixtures.ts';

/** A run of `tenant-a` / `user-1` / `support` unless overridden, claimed so it can append. */
export async function claimedRun(store: Store, overrides: Partial<NewRun> = {}): Promise<Lease> {
  const { run } = await store.createRun(newRun(overrides));
  return claim(store, run.id);
}

export function usageEntry(overrides: Partial<UsageEntry> = {}): UsageEntry {
  return {
    step: 1,
    provider: 'openai',
    modelId: 'gpt-4o-mini',
    inputTokens: 100,
    outputTokens: 20,
    cachedTokens: 0,
    costNanoUsd: 1_000,
    latencyMs: 250,
    ...overrides,
  };
}

/** Journals one model call of `lease`'s run at `at`, with its ledger row (the way the engine settles a call). */
export async function spend(store: Store, lease: Lease, entry: Partial<UsageEntry>, at: Date = start): Promise<void> {
  await appendAs(store, lease, [usageUpdate], { usageEntry: usageEntry(entry) }, at);
}

export function budget(overrides: Partial<PutBudgetInput> = {}): PutBudgetInput {
  return { tenantId: 'tenant-a', scope: 'user', scopeId: 'user-1', limitNanoUsd: 100, period: 'total', now: start, ...overrides };
}

/** A reservation for `lease`'s run, its subject taken from the run. */
export function reservation(lease: Lease, amountNanoUsd: number, now: Date = start): ReserveInput {
  const { run } = lease;
  return {
    reservationId: uniqueId('reservation'),
    runId: run.id,
    subject: { tenantId: run.tenantId, userId: run.userId, agent: run.agent, sessionId: run.sessionId },
    amountNanoUsd,
    now,
  };
}

/** The one budget of `scope`/`scopeId`, as `listBudgets` reports it at `now`. */
export async function budgetOf(store: Store, scope: BudgetScope, scopeId: string, now: Date = start, tenantId = 'tenant-a'): Promise<BudgetStatus> {
  const [found, ...more] = await store.listBudgets(tenantId, { scope, scopeId, now });
  if (found === undefined || more.length > 0) throw new Error(`expected exactly one ${scope} budget "${scopeId}"`);
  return found;
}

/** Spent and reserved nanodollars of one budget: what most assertions compare. */
export async function totals(store: Store, scope: BudgetScope, scopeId: string, now: Date = start): Promise<{ spent: number; reserved: number }> {
  const status = await budgetOf(store, scope, scopeId, now);
  return { spent: status.spentNanoUsd, reserved: status.reservedNanoUsd };
}
