import { describe, expect, it } from 'vitest';
import { estimateWindowCount, msUntilFits, rollCounter, validateTenantLimits, windowStartOf } from './window-counter.ts';

const windowMs = 60_000;
const base = 1_900_000_020_000; // a window start: a multiple of 60 000

describe('sliding-window arithmetic', () => {
  it('rolls a counter into later windows and keeps one from a later window as it is', () => {
    const stored = { windowStart: base, current: 7, previous: 3 };
    expect(rollCounter(stored, base, windowMs)).toEqual({ current: 7, previous: 3 });
    expect(rollCounter(stored, base + windowMs, windowMs)).toEqual({ current: 0, previous: 7 });
    expect(rollCounter(stored, base + 2 * windowMs, windowMs)).toEqual({ current: 0, previous: 0 });
    expect(rollCounter(stored, base - windowMs, windowMs)).toEqual({ current: 7, previous: 3 });
  });

  it('weights the previous window by the share still inside the sliding window, rounding up', () => {
    expect(windowStartOf(base + 59_999, windowMs)).toBe(base);
    expect(estimateWindowCount({ current: 2, previous: 10 }, base, windowMs)).toBe(12);
    expect(estimateWindowCount({ current: 2, previous: 10 }, base + 30_000, windowMs)).toBe(7);
    expect(estimateWindowCount({ current: 2, previous: 10 }, base + 30_001, windowMs)).toBe(7);
    expect(estimateWindowCount({ current: 2, previous: 10 }, base + 59_999, windowMs)).toBe(3);
  });

  it('says exactly when a cost fits again: it fits at that moment and not a millisecond before', () => {
    // Every state and offset on a small grid; the reference moves the clock and rolls the counter.
    const limit = { limit: 10, windowMs };
    const estimateAt = (counts: { current: number; previous: number }, at: number) =>
      estimateWindowCount(rollCounter({ windowStart: base, ...counts }, windowStartOf(at, windowMs), windowMs), at, windowMs);
    let checked = 0;
    for (const previous of [0, 1, 4, 10, 25]) {
      for (const current of [0, 3, 9, 10, 14]) {
        for (const offset of [0, 1, 17_000, 59_999]) {
          for (const cost of [1, 4, 10]) {
            const now = base + offset;
            const wait = msUntilFits({ current, previous }, now, limit, cost);
            if (wait === undefined) throw new Error('cost is within the limit');
            expect(estimateAt({ current, previous }, now + wait) + cost).toBeLessThanOrEqual(limit.limit);
            if (wait > 0) expect(estimateAt({ current, previous }, now + wait - 1) + cost).toBeGreaterThan(limit.limit);
            checked += 1;
          }
        }
      }
    }
    expect(checked).toBe(300);
    expect(msUntilFits({ current: 0, previous: 0 }, base, limit, 11)).toBeUndefined();
  });
});

describe('validateTenantLimits', () => {
  it('accepts whole numbers in range and nulls', () => {
    expect(() => validateTenantLimits({ maxConcurrentRuns: 0, userRequests: { limit: 1, windowMs: 1_000 }, userTokens: null })).not.toThrow();
  });

  it.each([
    [{ maxConcurrentRuns: -1 }],
    [{ maxConcurrentRuns: 2.5 }],
    [{ userRequests: { limit: 10, windowMs: 999 } }],
    [{ userRequests: { limit: 10, windowMs: 86_400_001 } }],
    [{ userTokens: { limit: 2_000_000_000, windowMs: 60_000 } }],
  ])('rejects %j with INPUT_INVALID', (limits) => {
    expect(() => validateTenantLimits(limits)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });
});
