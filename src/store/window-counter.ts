import { KeelError } from '../errors/index.ts';
import type { TenantLimits, WindowLimit } from './limits-store.ts';

/*
 * The sliding-window counter every adapter implements in SQL, and its arithmetic in TypeScript
 * for the parts that are not decisions (rolling a row read back, computing Retry-After).
 *
 * Time is cut into fixed windows of `windowMs`; a counter keeps the count of the current window
 * and of the one before. The estimate of "how many in the last `windowMs`" weights the previous
 * window by the share of it still inside the sliding window, rounded up so the estimate never
 * undercounts:
 *
 *     estimate = ceil(previous * (windowMs - elapsed) / windowMs) + current
 *
 * This avoids the burst of up to twice the limit that a plain fixed window allows around a
 * window boundary, at the cost of two integers per counter. All arithmetic is on integers, so
 * SQLite, PostgreSQL and this file agree exactly.
 */

/** Longest window a limit may use, and largest limit: keeps `previous * windowMs` an exact integer everywhere. */
export const maxWindowMs = 86_400_000;
export const maxWindowLimit = 1_000_000_000;

export function windowStartOf(nowMs: number, windowMs: number): number {
  return nowMs - (nowMs % windowMs);
}

/**
 * The counts as of the window starting at `windowStart`, given a counter last written in the
 * window starting at `storedStart`. A counter from a later window (a node whose clock runs
 * behind) is taken as it is rather than reset, so a slow clock cannot wipe a count.
 */
export function rollCounter(
  stored: { windowStart: number; current: number; previous: number },
  windowStart: number,
  windowMs: number,
): { current: number; previous: number } {
  if (stored.windowStart >= windowStart) return { current: stored.current, previous: stored.previous };
  if (stored.windowStart === windowStart - windowMs) return { current: 0, previous: stored.current };
  return { current: 0, previous: 0 };
}

/** The sliding-window estimate at `nowMs` (see the file comment). */
export function estimateWindowCount(counts: { current: number; previous: number }, nowMs: number, windowMs: number): number {
  const weight = windowMs - (nowMs - windowStartOf(nowMs, windowMs));
  return Math.ceil((counts.previous * weight) / windowMs) + counts.current;
}

/**
 * Milliseconds from `nowMs` until `cost` more fits under `limit`, if nothing else is added
 * meanwhile; 0 when it fits now, `undefined` when it never can (`cost > limit`).
 */
export function msUntilFits(counts: { current: number; previous: number }, nowMs: number, limit: WindowLimit, cost: number): number | undefined {
  const { windowMs } = limit;
  if (cost > limit.limit) return undefined;
  const start = windowStartOf(nowMs, windowMs);
  const room = limit.limit - cost - counts.current;
  if (room >= 0) {
    // Within this window: wait until the previous window's weight has shrunk enough.
    if (counts.previous === 0) return 0;
    const at = start + windowMs - Math.floor((room * windowMs) / counts.previous);
    return Math.max(0, at - nowMs);
  }
  // Not in this window: in the next one, this window's count becomes the weighted previous.
  const next = start + windowMs;
  const at = next + windowMs - Math.floor(((limit.limit - cost) * windowMs) / counts.current);
  return Math.max(next, at) - nowMs;
}

/**
 * Rejects limit values no adapter should store: caps and limits must be whole numbers from 0
 * (nothing allowed) up to {@link maxWindowLimit}, windows from 1 s to 1 day.
 *
 * @example
 * validateTenantLimits({ maxConcurrentRuns: 10, userRequests: { limit: 60, windowMs: 60_000 } });
 */
export function validateTenantLimits(limits: Partial<TenantLimits>): void {
  const { maxConcurrentRuns, userRequests, userTokens } = limits;
  if (maxConcurrentRuns != null && !isCount(maxConcurrentRuns)) invalid('maxConcurrentRuns', maxConcurrentRuns);
  for (const [field, value] of [
    ['userRequests', userRequests],
    ['userTokens', userTokens],
  ] as const) {
    if (value == null) continue;
    if (!isCount(value.limit)) invalid(`${field}.limit`, value.limit);
    if (!Number.isInteger(value.windowMs) || value.windowMs < 1_000 || value.windowMs > maxWindowMs) invalid(`${field}.windowMs`, value.windowMs);
  }
}

function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= maxWindowLimit;
}

function invalid(field: string, value: unknown): never {
  throw new KeelError({
    code: 'INPUT_INVALID',
    message: `${field} must be a whole number in range (limits 0 to ${maxWindowLimit}, windows 1000 to ${maxWindowMs} ms)`,
    details: { field, value },
  });
}

/**
 * A tenant's own limits from its `tenant_limits` row, read through the adapter's column reader
 * (`null` for a column that is NULL): a limit needs both its count and its window.
 */
export function tenantLimitsFromColumns(read: ((column: string) => number | null) | undefined): TenantLimits {
  if (read === undefined) return { maxConcurrentRuns: null, userRequests: null, userTokens: null };
  const windowLimit = (prefix: string): WindowLimit | null => {
    const limit = read(`${prefix}_limit`);
    const windowMs = read(`${prefix}_window_ms`);
    return limit === null || windowMs === null ? null : { limit, windowMs };
  };
  return { maxConcurrentRuns: read('max_concurrent_runs'), userRequests: windowLimit('user_requests'), userTokens: windowLimit('user_tokens') };
}
