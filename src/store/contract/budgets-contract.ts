import { describe, expect, it } from 'vitest';
import { budget, budgetOf, claimedRun, reservation, spend, totals } from './budget-fixtures.ts';
import { type CurrentStore, appendAs, at, expectKeelError, start } from './fixtures.ts';
import { describeUsageLedgerContract } from './usage-ledger-contract.ts';

/** Budgets, reservations and the spend they derive from the usage ledger (BudgetStore). */
export function describeBudgetContract(current: CurrentStore): void {
  describe('budgets', () => {
    it('creates a budget with nothing spent, and replaces it on a second put', async () => {
      const store = current();
      const created = await store.putBudget(budget({ limitNanoUsd: 5_000_000_000, period: 'month', now: at(1_000) }));
      expect(created).toEqual({
        tenantId: 'tenant-a',
        scope: 'user',
        scopeId: 'user-1',
        period: 'month',
        limitNanoUsd: 5_000_000_000,
        spentNanoUsd: 0,
        reservedNanoUsd: 0,
        periodStart: '2030-01-01T00:00:00.000Z',
        updatedAt: at(1_000).toISOString(),
      });

      const replaced = await store.putBudget(budget({ limitNanoUsd: 7, period: 'total', now: at(2_000) }));
      expect(replaced).toMatchObject({ limitNanoUsd: 7, period: 'total', periodStart: null, updatedAt: at(2_000).toISOString() });
      expect(await store.listBudgets('tenant-a', { now: start })).toEqual([replaced]);
    });

    it('lists the widest scope first, and filters by scope and id', async () => {
      const store = current();
      await store.putBudget(budget({ scope: 'session', scopeId: 'session-x' }));
      await store.putBudget(budget({ scope: 'user', scopeId: 'user-2' }));
      await store.putBudget(budget({ scope: 'agent', scopeId: 'support' }));
      await store.putBudget(budget({ scope: 'tenant', scopeId: 'tenant-a' }));
      await store.putBudget(budget({ scope: 'user', scopeId: 'user-1' }));

      const all = await store.listBudgets('tenant-a', { now: start });
      expect(all.map((status) => `${status.scope}:${status.scopeId}`)).toEqual([
        'tenant:tenant-a',
        'user:user-1',
        'user:user-2',
        'agent:support',
        'session:session-x',
      ]);
      expect((await store.listBudgets('tenant-a', { scope: 'user', now: start })).map((status) => status.scopeId)).toEqual(['user-1', 'user-2']);
      expect(await store.listBudgets('tenant-a', { scope: 'user', scopeId: 'user-9', now: start })).toEqual([]);
    });

    it('rejects a negative or fractional limit, an unknown scope or period, and a tenant budget named after another tenant', async () => {
      const store = current();
      await expectKeelError(store.putBudget(budget({ limitNanoUsd: -1 })), 'INPUT_INVALID');
      await expectKeelError(store.putBudget(budget({ limitNanoUsd: 1.5 })), 'INPUT_INVALID');
      await expectKeelError(store.putBudget(budget({ scope: 'planet' as never })), 'INPUT_INVALID');
      await expectKeelError(store.putBudget(budget({ period: 'week' as never })), 'INPUT_INVALID');
      await expectKeelError(store.putBudget(budget({ scope: 'tenant', scopeId: 'tenant-b' })), 'INPUT_INVALID');
      expect(await store.listBudgets('tenant-a', { now: start })).toEqual([]);
    });
  });

  describe('deleteBudget', () => {
    it('deletes one budget of its tenant, scope and id, and says whether there was one', async () => {
      const store = current();
      await store.putBudget(budget({ scope: 'user', scopeId: 'user-1' }));
      await store.putBudget(budget({ scope: 'user', scopeId: 'user-2' }));
      await store.putBudget(budget({ scope: 'agent', scopeId: 'user-1' }));
      await store.putBudget(budget({ tenantId: 'tenant-b', scope: 'user', scopeId: 'user-1' }));

      expect(await store.deleteBudget({ tenantId: 'tenant-a', scope: 'user', scopeId: 'user-1' })).toBe(true);
      expect((await store.listBudgets('tenant-a', { now: start })).map((status) => `${status.scope}:${status.scopeId}`)).toEqual([
        'user:user-2',
        'agent:user-1',
      ]);
      expect((await store.listBudgets('tenant-b', { now: start })).map((status) => status.scopeId)).toEqual(['user-1']);
      expect(await store.deleteBudget({ tenantId: 'tenant-a', scope: 'user', scopeId: 'user-1' })).toBe(false);
      expect(await store.deleteBudget({ tenantId: 'tenant-a', scope: 'session', scopeId: 'nothing' })).toBe(false);
      await expectKeelError(store.deleteBudget({ tenantId: 'tenant-a', scope: 'planet' as never, scopeId: 'x' }), 'INPUT_INVALID');
    });

    it('drops the reservations no remaining budget covers, keeps the others, and leaves spend in the ledger', async () => {
      const store = current();
      await store.putBudget(budget({ scope: 'user', scopeId: 'user-1', limitNanoUsd: 1_000 }));
      await store.putBudget(budget({ scope: 'agent', scopeId: 'support', limitNanoUsd: 1_000 }));
      const covered = await claimedRun(store);
      await spend(store, covered, { costNanoUsd: 300 });
      await store.reserveBudget(reservation(covered, 200));
      await store.putBudget(budget({ scope: 'user', scopeId: 'user-2', limitNanoUsd: 1_000 }));
      const other = await claimedRun(store, { userId: 'user-2', agent: 'billing' });
      await store.reserveBudget(reservation(other, 70));

      // user-1's run is still covered by the agent budget: its hold stays there.
      expect(await store.deleteBudget({ tenantId: 'tenant-a', scope: 'user', scopeId: 'user-1' })).toBe(true);
      expect(await totals(store, 'agent', 'support')).toEqual({ spent: 300, reserved: 200 });
      // user-2's run of another agent is covered by nothing once its user budget goes.
      expect(await store.deleteBudget({ tenantId: 'tenant-a', scope: 'user', scopeId: 'user-2' })).toBe(true);
      expect(await store.hasCoveringBudget(reservation(other, 1).subject)).toBe(false);
      // Set again, a budget sees the spend but no hold of calls never checked against it.
      await store.putBudget(budget({ scope: 'user', scopeId: 'user-2', limitNanoUsd: 1_000 }));
      expect(await totals(store, 'user', 'user-2')).toEqual({ spent: 0, reserved: 0 });
      await store.putBudget(budget({ scope: 'user', scopeId: 'user-1', limitNanoUsd: 1_000 }));
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 300, reserved: 200 });
    });
  });

  describe('reservations', () => {
    it('reserves nothing and writes nothing when no budget covers the subject', async () => {
      const store = current();
      const lease = await claimedRun(store);
      expect(await store.reserveBudget(reservation(lease, 500))).toEqual({ ok: true, reserved: false, budgets: [] });
      // A budget created afterwards sees no reservation left behind.
      await store.putBudget(budget({ limitNanoUsd: 1_000 }));
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 0, reserved: 0 });
    });

    it('says whether any budget covers a subject, by each of its scopes, within its tenant only', async () => {
      const store = current();
      const { subject } = reservation(await claimedRun(store), 1);
      expect(await store.hasCoveringBudget(subject)).toBe(false);
      await store.putBudget(budget({ scope: 'agent', scopeId: 'some-other-agent', limitNanoUsd: 1 }));
      expect(await store.hasCoveringBudget(subject)).toBe(false);
      await store.putBudget(budget({ tenantId: 'tenant-b', scope: 'user', scopeId: subject.userId, limitNanoUsd: 1 }));
      expect(await store.hasCoveringBudget(subject)).toBe(false);
      await store.putBudget(budget({ scope: 'session', scopeId: subject.sessionId, limitNanoUsd: 1 }));
      expect(await store.hasCoveringBudget(subject)).toBe(true);
      expect(await store.hasCoveringBudget({ ...subject, tenantId: 'tenant-c' })).toBe(false);
    });

    it('reserves against every covering budget, all or nothing', async () => {
      const store = current();
      await store.putBudget(budget({ scope: 'user', scopeId: 'user-1', limitNanoUsd: 100 }));
      await store.putBudget(budget({ scope: 'agent', scopeId: 'support', limitNanoUsd: 50 }));
      await store.putBudget(budget({ scope: 'user', scopeId: 'user-2', limitNanoUsd: 1_000 }));
      const first = await claimedRun(store);

      const refused = await store.reserveBudget(reservation(first, 60));
      expect(refused).toMatchObject({ ok: false, exhausted: { scope: 'agent', scopeId: 'support', reservedNanoUsd: 0 } });
      expect(refused.budgets.map((status) => status.scope)).toEqual(['user', 'agent']);
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 0, reserved: 0 });

      const granted = await store.reserveBudget(reservation(first, 40));
      expect(granted.ok && granted.reserved).toBe(true);
      expect(granted.budgets.map((status) => status.reservedNanoUsd)).toEqual([40, 40]);

      // Another user's run of the same agent: the agent budget has 10 left.
      const second = await claimedRun(store, { userId: 'user-2' });
      expect(await store.reserveBudget(reservation(second, 11))).toMatchObject({ ok: false, exhausted: { scope: 'agent', reservedNanoUsd: 40 } });
      expect(await store.reserveBudget(reservation(second, 10))).toMatchObject({ ok: true, reserved: true });
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 0, reserved: 40 });
      expect(await totals(store, 'user', 'user-2')).toEqual({ spent: 0, reserved: 10 });
      expect(await totals(store, 'agent', 'support')).toEqual({ spent: 0, reserved: 50 });
    });

    it('fills a budget exactly to its limit, and refuses one nanodollar more', async () => {
      const store = current();
      await store.putBudget(budget({ limitNanoUsd: 1_000 }));
      const lease = await claimedRun(store);
      await spend(store, lease, { costNanoUsd: 400 });
      expect(await store.reserveBudget(reservation(lease, 600))).toMatchObject({ ok: true, reserved: true });
      const other = await claimedRun(store);
      expect(await store.reserveBudget(reservation(other, 1))).toMatchObject({ ok: false, exhausted: { spentNanoUsd: 400, reservedNanoUsd: 600 } });
      // A call that costs nothing still needs the budget not to be over.
      expect(await store.reserveBudget(reservation(other, 0))).toMatchObject({ ok: true, reserved: true });
    });

    it("drops a run's earlier reservation when it reserves again (a retried attempt)", async () => {
      const store = current();
      await store.putBudget(budget({ limitNanoUsd: 100 }));
      const lease = await claimedRun(store);
      await store.reserveBudget(reservation(lease, 70));
      expect(await store.reserveBudget(reservation(lease, 80))).toMatchObject({ ok: true, reserved: true, budgets: [{ reservedNanoUsd: 80 }] });
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 0, reserved: 80 });
    });

    it('settles a reservation with the ledger row of its call, atomically with the append', async () => {
      const store = current();
      await store.putBudget(budget({ limitNanoUsd: 1_000 }));
      const lease = await claimedRun(store);
      const held = reservation(lease, 300);
      await store.reserveBudget(held);
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 0, reserved: 300 });

      await spend(store, lease, { costNanoUsd: 120, reservationId: held.reservationId });
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 120, reserved: 0 });

      // An append that loses its fence records nothing: no spend, and the reservation stays.
      const again = reservation(lease, 200);
      await store.reserveBudget(again);
      const stale = { runId: lease.runId, epoch: lease.epoch + 1, lastSeq: 0, now: start };
      await expectKeelError(
        store.append(stale, [], {
          usageEntry: {
            step: 2,
            provider: 'openai',
            modelId: 'gpt-4o',
            inputTokens: 1,
            outputTokens: 1,
            cachedTokens: 0,
            costNanoUsd: 50,
            latencyMs: 1,
            reservationId: again.reservationId,
          },
        }),
        'LEASE_LOST',
      );
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 120, reserved: 200 });
    });

    it("releases only the given run's reservations", async () => {
      const store = current();
      await store.putBudget(budget({ limitNanoUsd: 1_000 }));
      const first = await claimedRun(store);
      const second = await claimedRun(store);
      await store.reserveBudget(reservation(first, 100));
      await store.reserveBudget(reservation(second, 200));
      await store.releaseReservations(first.runId);
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 0, reserved: 200 });
      await store.releaseReservations(first.runId);
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 0, reserved: 200 });
    });

    it("drops the run's reservations with a fenced append that releases them, and keeps them when the fence fails", async () => {
      const store = current();
      await store.putBudget(budget({ limitNanoUsd: 1_000 }));
      const parking = await claimedRun(store);
      const other = await claimedRun(store);
      await store.reserveBudget(reservation(parking, 100));
      await store.reserveBudget(reservation(other, 200));

      const stale = { runId: parking.runId, epoch: parking.epoch + 1, lastSeq: 1, now: start };
      await expectKeelError(
        store.append(stale, [{ type: 'run-waiting', reason: 'budget' }], { status: 'waiting', waitingReason: 'budget', releaseReservations: true }),
        'LEASE_LOST',
      );
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 0, reserved: 300 });

      await appendAs(store, parking, [{ type: 'run-waiting', reason: 'budget' }], { status: 'waiting', waitingReason: 'budget', releaseReservations: true });
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 0, reserved: 200 });
    });

    it('counts session and tenant budgets only for their own session and tenant', async () => {
      const store = current();
      const inSession = await claimedRun(store, { sessionId: 'session-budgeted' });
      await store.putBudget(budget({ scope: 'session', scopeId: 'session-budgeted', limitNanoUsd: 10 }));
      await store.putBudget(budget({ tenantId: 'tenant-b', scope: 'tenant', scopeId: 'tenant-b', limitNanoUsd: 0 }));
      await store.putBudget(budget({ tenantId: 'tenant-b', scope: 'user', scopeId: 'user-1', limitNanoUsd: 0 }));

      const elsewhere = await claimedRun(store);
      expect(await store.reserveBudget(reservation(elsewhere, 1_000))).toEqual({ ok: true, reserved: false, budgets: [] });
      expect(await store.reserveBudget(reservation(inSession, 11))).toMatchObject({ ok: false, exhausted: { scope: 'session' } });
      expect(await store.reserveBudget(reservation(inSession, 10))).toMatchObject({ ok: true, reserved: true });
    });

    it('rejects a negative or fractional amount', async () => {
      const store = current();
      await store.putBudget(budget());
      const lease = await claimedRun(store);
      await expectKeelError(store.reserveBudget(reservation(lease, -5)), 'INPUT_INVALID');
      await expectKeelError(store.reserveBudget(reservation(lease, 0.5)), 'INPUT_INVALID');
      expect(await totals(store, 'user', 'user-1')).toEqual({ spent: 0, reserved: 0 });
    });
  });

  describe('budget periods', () => {
    const lastOfJanuary = new Date('2030-01-31T23:59:59.999Z');
    const firstOfFebruary = new Date('2030-02-01T00:00:00.000Z');

    it('sums a day budget over the UTC day that contains now', async () => {
      const store = current();
      await store.putBudget(budget({ period: 'day', limitNanoUsd: 100, now: lastOfJanuary }));
      const lease = await claimedRun(store);
      await spend(store, lease, { costNanoUsd: 30 }, lastOfJanuary);
      await spend(store, lease, { costNanoUsd: 7 }, firstOfFebruary);

      expect(await budgetOf(store, 'user', 'user-1', lastOfJanuary)).toMatchObject({ spentNanoUsd: 30, periodStart: '2030-01-31T00:00:00.000Z' });
      expect(await budgetOf(store, 'user', 'user-1', firstOfFebruary)).toMatchObject({ spentNanoUsd: 7, periodStart: '2030-02-01T00:00:00.000Z' });
      // A new day: yesterday's spend no longer counts against the reservation.
      expect(await store.reserveBudget(reservation(lease, 93, firstOfFebruary))).toMatchObject({ ok: true, reserved: true });
    });

    it('sums a month budget over the UTC month, and a total budget over all time', async () => {
      const store = current();
      await store.putBudget(budget({ scope: 'user', period: 'month', limitNanoUsd: 100 }));
      await store.putBudget(budget({ scope: 'agent', scopeId: 'support', period: 'total', limitNanoUsd: 100 }));
      const lease = await claimedRun(store);
      await spend(store, lease, { costNanoUsd: 11 }, new Date('2030-01-01T00:00:00.000Z'));
      await spend(store, lease, { costNanoUsd: 13 }, lastOfJanuary);
      await spend(store, lease, { costNanoUsd: 17 }, firstOfFebruary);

      expect(await budgetOf(store, 'user', 'user-1', lastOfJanuary)).toMatchObject({ spentNanoUsd: 24, periodStart: '2030-01-01T00:00:00.000Z' });
      expect(await budgetOf(store, 'user', 'user-1', new Date('2030-02-28T12:00:00.000Z'))).toMatchObject({
        spentNanoUsd: 17,
        periodStart: '2030-02-01T00:00:00.000Z',
      });
      expect(await budgetOf(store, 'agent', 'support', new Date('2031-06-01T00:00:00.000Z'))).toMatchObject({ spentNanoUsd: 41, periodStart: null });
    });
  });

  describeUsageLedgerContract(current);
}
