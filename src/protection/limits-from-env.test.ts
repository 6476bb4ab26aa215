import { describe, expect, it } from 'vitest';
import { limitsFromEnv } from './limits-from-env.ts';

describe('limitsFromEnv', () => {
  it('reads the three defaults, per minute for requests and per hour for tokens', () => {
    expect(limitsFromEnv({ KEEL_TENANT_MAX_CONCURRENT_RUNS: '20', KEEL_USER_REQUESTS_PER_MINUTE: ' 60 ', KEEL_USER_TOKENS_PER_HOUR: '200000' })).toEqual({
      maxConcurrentRuns: 20,
      userRequests: { limit: 60, windowMs: 60_000 },
      userTokens: { limit: 200_000, windowMs: 3_600_000 },
    });
  });

  it('leaves unset variables out and turns "none" into null', () => {
    expect(limitsFromEnv({})).toEqual({});
    expect(limitsFromEnv({ KEEL_USER_REQUESTS_PER_MINUTE: '', KEEL_TENANT_MAX_CONCURRENT_RUNS: 'none' })).toEqual({ maxConcurrentRuns: null });
  });

  it('refuses anything but a whole number with CONFIG_INVALID', () => {
    for (const value of ['-1', '1.5', 'ten', '1e3']) {
      expect(() => limitsFromEnv({ KEEL_USER_TOKENS_PER_HOUR: value })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });
});
