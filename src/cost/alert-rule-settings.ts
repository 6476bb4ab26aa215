/**
 * `defineConfig({ alerts: { rules } })`: the alert rules an operator tunes. Validated by
 * `defineConfig` like every other setting; evaluated by `telemetry/alerts/`.
 */
export interface AlertRuleSettings {
  /** How often the node holding the alerts lease evaluates the rules. Default 60 s. */
  evaluateEveryMs?: number;
  /** How long an alert (rule + subject) stays quiet after it fired, unless its rule says otherwise. Default 1 h. */
  cooldownMs?: number;
  /** Share of runs that completed, of those that completed or failed, per agent. Default below 0.95 over 15 min, from 10 runs. */
  successRate?: false | { below?: number; windowMs?: number; minRuns?: number; cooldownMs?: number };
  /** Today's spend over `factor` times the 7-day daily average (the spend alert; once per tenant and day). Default factor 2. */
  costSpike?: false | { factor?: number };
  /** p95 model-call latency per agent above `p95AboveMs`. Off unless `p95AboveMs` is set. */
  latency?: false | { p95AboveMs?: number; windowMs?: number; minCalls?: number; cooldownMs?: number };
  /** One end user's failed runs. Default 5 or more within 15 min. */
  userFailures?: false | { failures?: number; windowMs?: number; cooldownMs?: number };
  /** A provider's circuit breaker opened (in any process). On by default. */
  breakerOpen?: false | { cooldownMs?: number };
  /** Runs waiting for an approval longer than `olderThanMs`. Default 1 h. */
  approvalWaiting?: false | { olderThanMs?: number; cooldownMs?: number };
}

/** The rules with every default filled in; `undefined` for a rule that is off. */
export interface ResolvedAlertRules {
  evaluateEveryMs: number;
  successRate?: { below: number; windowMs: number; minRuns: number; cooldownMs: number };
  costSpike?: { factor: number };
  latency?: { p95AboveMs: number; windowMs: number; minCalls: number; cooldownMs: number };
  userFailures?: { failures: number; windowMs: number; cooldownMs: number };
  breakerOpen?: { cooldownMs: number };
  approvalWaiting?: { olderThanMs: number; cooldownMs: number };
}

const minute = 60_000;
const defaults = { evaluateEveryMs: minute, cooldownMs: 60 * minute, windowMs: 15 * minute };

/**
 * Every rule with its defaults. The cost-spike factor falls back to `alerts.costSpikeFactor`.
 *
 * @example
 * resolveAlertRules({ successRate: { below: 0.9 } }).successRate; // { below: 0.9, windowMs: 900000, minRuns: 10, cooldownMs: 3600000 }
 */
export function resolveAlertRules(rules: AlertRuleSettings = {}, costSpikeFactor = 2): ResolvedAlertRules {
  const cooldownMs = rules.cooldownMs ?? defaults.cooldownMs;
  const on = <T extends object>(rule: false | T | undefined): T | undefined => (rule === false ? undefined : (rule ?? ({} as T)));
  const successRate = on(rules.successRate);
  const costSpike = on(rules.costSpike);
  const latency = on(rules.latency);
  const userFailures = on(rules.userFailures);
  const breakerOpen = on(rules.breakerOpen);
  const approvalWaiting = on(rules.approvalWaiting);
  return {
    evaluateEveryMs: rules.evaluateEveryMs ?? defaults.evaluateEveryMs,
    ...(successRate === undefined
      ? {}
      : {
          successRate: {
            below: successRate.below ?? 0.95,
            windowMs: successRate.windowMs ?? defaults.windowMs,
            minRuns: successRate.minRuns ?? 10,
            cooldownMs: successRate.cooldownMs ?? cooldownMs,
          },
        }),
    ...(costSpike === undefined ? {} : { costSpike: { factor: costSpike.factor ?? costSpikeFactor } }),
    ...(latency?.p95AboveMs === undefined
      ? {}
      : {
          latency: {
            p95AboveMs: latency.p95AboveMs,
            windowMs: latency.windowMs ?? defaults.windowMs,
            minCalls: latency.minCalls ?? 10,
            cooldownMs: latency.cooldownMs ?? cooldownMs,
          },
        }),
    ...(userFailures === undefined
      ? {}
      : {
          userFailures: {
            failures: userFailures.failures ?? 5,
            windowMs: userFailures.windowMs ?? defaults.windowMs,
            cooldownMs: userFailures.cooldownMs ?? cooldownMs,
          },
        }),
    ...(breakerOpen === undefined ? {} : { breakerOpen: { cooldownMs: breakerOpen.cooldownMs ?? cooldownMs } }),
    ...(approvalWaiting === undefined
      ? {}
      : { approvalWaiting: { olderThanMs: approvalWaiting.olderThanMs ?? 60 * minute, cooldownMs: approvalWaiting.cooldownMs ?? cooldownMs } }),
  };
}

/**
 * What is wrong with `alerts.rules`, one sentence per problem (empty when valid).
 *
 * @example
 * alertRuleProblems({ successRate: { below: 2 } }); // ['alerts.rules.successRate.below must be a number above 0 and at most 1']
 */
export function alertRuleProblems(rules: unknown): string[] {
  if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) return ['alerts.rules must be an object'];
  const problems: string[] = [];
  const known = ['evaluateEveryMs', 'cooldownMs', 'successRate', 'costSpike', 'latency', 'userFailures', 'breakerOpen', 'approvalWaiting'];
  for (const name of Object.keys(rules)) if (!known.includes(name)) problems.push(`alerts.rules.${name} is not a rule (known: ${known.join(', ')})`);
  const settings = rules as Record<string, unknown>;
  const duration = (path: string, value: unknown, minimum: number) => {
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= minimum)) {
      problems.push(`alerts.rules.${path} must be a whole number of milliseconds, at least ${minimum}`);
    }
  };
  const count = (path: string, value: unknown) => {
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= 1))
      problems.push(`alerts.rules.${path} must be a whole number, at least 1`);
  };
  duration('evaluateEveryMs', settings.evaluateEveryMs, 1_000);
  duration('cooldownMs', settings.cooldownMs, 0);
  const rule = (name: string, fields: Record<string, (path: string, value: unknown) => void>) => {
    const value = settings[name];
    if (value === undefined || value === false) return;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`alerts.rules.${name} must be an object, or false to turn the rule off`);
      return;
    }
    for (const [field, fieldValue] of Object.entries(value)) {
      const check = fields[field];
      if (check === undefined) problems.push(`alerts.rules.${name}.${field} is not a setting of this rule (known: ${Object.keys(fields).join(', ')})`);
      else check(`${name}.${field}`, fieldValue);
    }
  };
  const window = (path: string, value: unknown) => duration(path, value, 1_000);
  const cooldown = (path: string, value: unknown) => duration(path, value, 0);
  rule('successRate', {
    below: (path, value) => {
      if (value !== undefined && !(typeof value === 'number' && value > 0 && value <= 1))
        problems.push(`alerts.rules.${path} must be a number above 0 and at most 1`);
    },
    windowMs: window,
    minRuns: count,
    cooldownMs: cooldown,
  });
  rule('costSpike', {
    factor: (path, value) => {
      if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 1))
        problems.push(`alerts.rules.${path} must be a number above 1`);
    },
  });
  rule('latency', { p95AboveMs: (path, value) => duration(path, value, 1), windowMs: window, minCalls: count, cooldownMs: cooldown });
  rule('userFailures', { failures: count, windowMs: window, cooldownMs: cooldown });
  rule('breakerOpen', { cooldownMs: cooldown });
  rule('approvalWaiting', { olderThanMs: (path, value) => duration(path, value, 1_000), cooldownMs: cooldown });
  return problems;
}
