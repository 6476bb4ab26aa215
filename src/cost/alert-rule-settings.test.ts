import { describe, expect, it } from 'vitest';
import { defineConfig } from '../sdk/define-config.ts';
import { alertRuleProblems, resolveAlertRules } from './alert-rule-settings.ts';

describe('alert rule settings', () => {
  it('default to success rate below 95% over 15 minutes, user failures, breakers and approvals, with latency off', () => {
    expect(resolveAlertRules()).toEqual({
      evaluateEveryMs: 60_000,
      successRate: { below: 0.95, windowMs: 900_000, minRuns: 10, cooldownMs: 3_600_000 },
      costSpike: { factor: 2 },
      userFailures: { failures: 5, windowMs: 900_000, cooldownMs: 3_600_000 },
      breakerOpen: { cooldownMs: 3_600_000 },
      approvalWaiting: { olderThanMs: 3_600_000, cooldownMs: 3_600_000 },
    });
    const tuned = resolveAlertRules({ cooldownMs: 600_000, successRate: false, latency: { p95AboveMs: 5_000 }, costSpike: false }, 3);
    expect(tuned.successRate).toBeUndefined();
    expect(tuned.costSpike).toBeUndefined();
    expect(tuned.latency).toEqual({ p95AboveMs: 5_000, windowMs: 900_000, minCalls: 10, cooldownMs: 600_000 });
    expect(resolveAlertRules({}, 3).costSpike).toEqual({ factor: 3 });
  });

  it('name every problem, and defineConfig refuses them', () => {
    expect(
      alertRuleProblems({
        successRate: { below: 2 },
        latency: { p95AboveMs: -1 },
        userFailures: { failures: 0, typo: 1 },
        unknownRule: {},
        evaluateEveryMs: 10,
      }),
    ).toEqual([
      'alerts.rules.unknownRule is not a rule (known: evaluateEveryMs, cooldownMs, successRate, costSpike, latency, userFailures, breakerOpen, approvalWaiting)',
      'alerts.rules.evaluateEveryMs must be a whole number of milliseconds, at least 1000',
      'alerts.rules.successRate.below must be a number above 0 and at most 1',
      'alerts.rules.latency.p95AboveMs must be a whole number of milliseconds, at least 1',
      'alerts.rules.userFailures.failures must be a whole number, at least 1',
      'alerts.rules.userFailures.typo is not a setting of this rule (known: failures, windowMs, cooldownMs)',
    ]);
    expect(alertRuleProblems({ successRate: false, breakerOpen: { cooldownMs: 0 } })).toEqual([]);
    expect(() => defineConfig({ agents: [], alerts: { rules: { approvalWaiting: { olderThanMs: 'soon' as unknown as number } } } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('alerts.rules.approvalWaiting.olderThanMs') }),
    );
  });
});
