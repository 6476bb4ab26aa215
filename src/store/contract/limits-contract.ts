import { describe, expect, it } from 'vitest';
import { defaultLimitsTenant, type WindowCounterHit } from '../limits-store.ts';
import { type CurrentStore, expectKeelError, start } from './fixtures.ts';

const minute = 60_000;
/** The start of a window of one minute, so offsets from it are offsets into the window. */
const windowStart = new Date(Math.floor(start.getTime() / minute) * minute);

function hit(overrides: Partial<WindowCounterHit> = {}): WindowCounterHit {
  return { key: 'requests:tenant-a:user-1', windowMs: minute, cost: 1, limit: 5, now: windowStart, ...overrides };
}

function later(offsetMs: number): Date {
  return new Date(windowStart.getTime() + offsetMs);
}

export function describeLimitsContract(current: CurrentStore): void {
  describe('tenant limits', () => {
    it('has no limits until some are set', async () => {
      expect(await current().getTenantLimits('tenant-a')).toEqual({ maxConcurrentRuns: null, userRequests: null, userTokens: null });
    });

    it("applies the defaults field by field under a tenant's own settings", async () => {
      const store = current();
      await store.setTenantLimits(defaultLimitsTenant, { maxConcurrentRuns: 4, userRequests: { limit: 60, windowMs: minute } });
      await store.setTenantLimits('tenant-a', { maxConcurrentRuns: 10, userTokens: { limit: 50_000, windowMs: 3_600_000 } });

      expect(await store.getTenantLimits('tenant-a')).toEqual({
        maxConcurrentRuns: 10,
        userRequests: { limit: 60, windowMs: minute },
        userTokens: { limit: 50_000, windowMs: 3_600_000 },
      });
      expect(await store.getTenantLimits('tenant-b')).toEqual({
        maxConcurrentRuns: 4,
        userRequests: { limit: 60, windowMs: minute },
        userTokens: null,
      });
      expect(await store.getTenantLimits(defaultLimitsTenant)).toEqual({
        maxConcurrentRuns: 4,
        userRequests: { limit: 60, windowMs: minute },
        userTokens: null,
      });
    });

    it('keeps fields left undefined and clears fields set to null', async () => {
      const store = current();
      await store.setTenantLimits(defaultLimitsTenant, { maxConcurrentRuns: 4 });
      await store.setTenantLimits('tenant-a', { maxConcurrentRuns: 10, userRequests: { limit: 60, windowMs: minute } });
      await store.setTenantLimits('tenant-a', { userTokens: { limit: 1_000, windowMs: minute } });
      expect(await store.getTenantLimits('tenant-a')).toMatchObject({ maxConcurrentRuns: 10, userRequests: { limit: 60 } });

      await store.setTenantLimits('tenant-a', { maxConcurrentRuns: null, userRequests: null });
      expect(await store.getTenantLimits('tenant-a')).toEqual({
        maxConcurrentRuns: 4,
        userRequests: null,
        userTokens: { limit: 1_000, windowMs: minute },
      });
    });

    it('rejects out-of-range values with INPUT_INVALID and changes nothing', async () => {
      const store = current();
      await store.setTenantLimits('tenant-a', { maxConcurrentRuns: 2 });
      await expectKeelError(store.setTenantLimits('tenant-a', { maxConcurrentRuns: -1 }), 'INPUT_INVALID');
      await expectKeelError(store.setTenantLimits('tenant-a', { maxConcurrentRuns: 1.5 }), 'INPUT_INVALID');
      await expectKeelError(store.setTenantLimits('tenant-a', { userRequests: { limit: 10, windowMs: 10 } }), 'INPUT_INVALID');
      await expectKeelError(store.setTenantLimits('tenant-a', { userTokens: { limit: Number.NaN, windowMs: minute } }), 'INPUT_INVALID');
      expect(await store.getTenantLimits('tenant-a')).toEqual({ maxConcurrentRuns: 2, userRequests: null, userTokens: null });
    });
  });

  describe('window counters', () => {
    it('adds while the count stays within the limit, and reports the count', async () => {
      const store = current();
      const first = await store.hitWindowCounter(hit({ cost: 3 }));
      expect(first).toEqual({ added: true, windowStart, current: 3, previous: 0 });
      expect(await store.hitWindowCounter(hit({ cost: 2, now: later(10) }))).toMatchObject({ added: true, current: 5 });
      // Refused: nothing is added, and the count as it stands comes back.
      expect(await store.hitWindowCounter(hit({ now: later(20) }))).toEqual({ added: false, windowStart, current: 5, previous: 0 });
      expect(await store.hitWindowCounter(hit({ cost: 0, now: later(30) }))).toMatchObject({ added: true, current: 5 });
      expect(await store.hitWindowCounter(hit({ key: 'requests:tenant-a:user-2', now: later(40) }))).toMatchObject({ added: true, current: 1 });
    });

    it('never adds a cost above the limit, and always adds without a limit', async () => {
      const store = current();
      expect(await store.hitWindowCounter(hit({ cost: 6 }))).toMatchObject({ added: false, current: 0 });
      expect(await store.hitWindowCounter(hit({ cost: 6, limit: null }))).toMatchObject({ added: true, current: 6 });
      expect(await store.hitWindowCounter(hit({ cost: 1_000, limit: null }))).toMatchObject({ added: true, current: 1_006 });
    });

    it('admits exactly `limit` of many concurrent hits', async () => {
      const store = current();
      const results = await Promise.all(Array.from({ length: 40 }, (_, index) => store.hitWindowCounter(hit({ limit: 17, now: later(index) }))));
      expect(results.filter((result) => result.added)).toHaveLength(17);
    });

    it('slides: the previous window weighs in by the share of it still inside the sliding window', async () => {
      const store = current();
      for (let index = 0; index < 5; index += 1) await store.hitWindowCounter(hit({ now: later(index) }));
      expect(await store.hitWindowCounter(hit({ now: later(minute - 1) }))).toMatchObject({ added: false, current: 5 });

      // At the start of the next window all 5 still count; a fifth of the way in, ceil(5 * 0.8) = 4 do.
      expect(await store.hitWindowCounter(hit({ now: later(minute) }))).toEqual({
        added: false,
        windowStart: later(minute),
        current: 0,
        previous: 5,
      });
      expect(await store.hitWindowCounter(hit({ now: later(minute + minute / 5) }))).toMatchObject({ added: true, current: 1, previous: 5 });
      expect(await store.hitWindowCounter(hit({ now: later(minute + minute / 5 + 1) }))).toMatchObject({ added: false, current: 1 });
    });

    it('resets once a whole window has passed without hits', async () => {
      const store = current();
      for (let index = 0; index < 5; index += 1) await store.hitWindowCounter(hit({ now: later(index) }));
      const results = [];
      for (let index = 0; index < 6; index += 1) results.push(await store.hitWindowCounter(hit({ now: later(2 * minute + index) })));
      expect(results.map((result) => result.added)).toEqual([true, true, true, true, true, false]);
      expect(results.at(-1)).toMatchObject({ current: 5, previous: 0, windowStart: later(2 * minute) });
    });

    it('does not reset a counter written in a later window by a node whose clock runs ahead', async () => {
      const store = current();
      for (let index = 0; index < 5; index += 1) await store.hitWindowCounter(hit({ now: later(minute + index) }));
      expect(await store.hitWindowCounter(hit({ now: later(minute - 1) }))).toMatchObject({ added: false, current: 5 });
    });

    it('sweeps counters idle for two windows', async () => {
      const store = current();
      await store.hitWindowCounter(hit({ key: 'idle' }));
      await store.hitWindowCounter(hit({ key: 'busy', now: later(2 * minute) }));
      expect(await store.sweepWindowCounters(later(2 * minute - 1))).toBe(0);
      expect(await store.sweepWindowCounters(later(2 * minute))).toBe(1);
      // The swept counter starts afresh; the other kept its count.
      expect(await store.hitWindowCounter(hit({ key: 'idle', now: later(2 * minute) }))).toMatchObject({ current: 1, previous: 0 });
      expect(await store.hitWindowCounter(hit({ key: 'busy', now: later(2 * minute) }))).toMatchObject({ current: 2 });
    });
  });
}
