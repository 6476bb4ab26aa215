/**
 * A clock tests move by hand: pass `clock.now` as a runtime's `now` option to control run
 * timestamps and lease expiry deterministically.
 *
 * @example
 * const clock = createFakeClock(new Date('2026-01-01T00:00:00Z'));
 * clock.advance(60_000); // leases taken before now look expired
 */
export interface FakeClock {
  now(): Date;
  advance(ms: number): Date;
  set(date: Date): void;
}

export function createFakeClock(start: Date = new Date('2026-01-01T00:00:00.000Z')): FakeClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance(ms) {
      current += ms;
      return new Date(current);
    },
    set(date) {
      current = date.getTime();
    },
  };
}
