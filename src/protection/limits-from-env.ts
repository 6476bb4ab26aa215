import { KeelError } from '../errors/index.ts';
import type { TenantLimits } from '../store/limits-store.ts';

/** The environment variables that set every tenant's default limits. */
export const limitVariables = {
  maxConcurrentRuns: 'KEEL_TENANT_MAX_CONCURRENT_RUNS',
  userRequests: 'KEEL_USER_REQUESTS_PER_MINUTE',
  userTokens: 'KEEL_USER_TOKENS_PER_HOUR',
} as const;

/**
 * The limits `keel start` applies to every tenant unless the variables say otherwise (`none`
 * turns one off): a tenant runs at most 50 runs at once, and each end user may make 120
 * requests a minute and use 1,000,000 model tokens an hour. Generous for an application's real
 * users, and enough to stop one runaway client or key from taking the whole deployment.
 */
export const secureLimitDefaults: TenantLimits = Object.freeze({
  maxConcurrentRuns: 50,
  userRequests: Object.freeze({ limit: 120, windowMs: 60_000 }),
  userTokens: Object.freeze({ limit: 1_000_000, windowMs: 3_600_000 }),
});

/**
 * Reads default limits from the environment, for `store.setTenantLimits(defaultLimitsTenant, …)`
 * at start-up. A variable that is not set leaves that default as it is in the store; `none`
 * removes it; otherwise it must be a whole number. Per-tenant limits, and windows other than a
 * minute for requests and an hour for tokens, are set through `store.setTenantLimits`.
 *
 * @example
 * // KEEL_TENANT_MAX_CONCURRENT_RUNS=20 KEEL_USER_REQUESTS_PER_MINUTE=60 KEEL_USER_TOKENS_PER_HOUR=200000
 * await store.setTenantLimits(defaultLimitsTenant, limitsFromEnv(process.env));
 */
export function limitsFromEnv(env: Record<string, string | undefined>): Partial<TenantLimits> {
  const limits: Partial<TenantLimits> = {};
  const concurrent = count(env, limitVariables.maxConcurrentRuns);
  if (concurrent !== undefined) limits.maxConcurrentRuns = concurrent;
  const requests = count(env, limitVariables.userRequests);
  if (requests !== undefined) limits.userRequests = requests === null ? null : { limit: requests, windowMs: 60_000 };
  const tokens = count(env, limitVariables.userTokens);
  if (tokens !== undefined) limits.userTokens = tokens === null ? null : { limit: tokens, windowMs: 3_600_000 };
  return limits;
}

function count(env: Record<string, string | undefined>, name: string): number | null | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return undefined;
  if (value.toLowerCase() === 'none') return null;
  if (!/^\d+$/.test(value)) {
    throw new KeelError({ code: 'CONFIG_INVALID', message: `${name} must be a whole number, or "none"`, details: { variable: name } });
  }
  return Number(value);
}
