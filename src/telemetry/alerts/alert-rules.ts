import type { ResolvedAlertRules } from '../../cost/alert-rule-settings.ts';
import type { Store } from '../../store/store.ts';

/** What an alert rule found: one alert per tenant and subject, before cooldowns are applied. */
export interface AlertCandidate {
  kind: RuleAlertKind;
  tenantId: string;
  /** What it is about within its kind: an agent, a user, `provider:model`, `approvals`. */
  subject: string;
  message: string;
  details: Record<string, unknown>;
  cooldownMs: number;
}

export type RuleAlertKind = 'success-rate' | 'latency-p95' | 'user-failures' | 'approval-waiting' | 'breaker-open';

type RuleStore = Pick<Store, 'countEndedRuns' | 'modelLatencyPercentiles' | 'countUserFailures' | 'countWaitingSince'>;

const minutes = (ms: number) => `${Math.round(ms / 60_000)} minutes`;

/**
 * The rules evaluated on a schedule, each one indexed query over the store (so any node sees
 * every node's runs): success rate, p95 latency, repeated failures of one user, approvals
 * waiting too long. The breaker rule is event-driven instead (see `createAlertEvaluator`), and
 * the cost spike is the spend alert raised as calls are settled.
 *
 * @example
 * const candidates = await evaluateAlertRules({ store, rules: resolveAlertRules(config.alerts.rules), now: new Date() });
 */
export async function evaluateAlertRules(input: { store: RuleStore; rules: ResolvedAlertRules; now: Date }): Promise<AlertCandidate[]> {
  const { store, rules, now } = input;
  // Up to and including `now`: what ended at this very millisecond counts.
  const since = (windowMs: number) => ({ from: new Date(now.getTime() - windowMs), to: new Date(now.getTime() + 1) });
  const found: AlertCandidate[] = [];

  const successRate = rules.successRate;
  if (successRate !== undefined) {
    const byAgent = new Map<string, { tenantId: string; agent: string; completed: number; failed: number }>();
    for (const row of await store.countEndedRuns(since(successRate.windowMs))) {
      const key = `${row.tenantId}\u0000${row.agent}`;
      const counts = byAgent.get(key) ?? { tenantId: row.tenantId, agent: row.agent, completed: 0, failed: 0 };
      if (row.status === 'completed') counts.completed += row.count;
      if (row.status === 'failed') counts.failed += row.count;
      byAgent.set(key, counts);
    }
    for (const { tenantId, agent, completed, failed } of byAgent.values()) {
      const ended = completed + failed;
      if (ended < successRate.minRuns || completed / ended >= successRate.below) continue;
      const rate = completed / ended;
      found.push({
        kind: 'success-rate',
        tenantId,
        subject: agent,
        message: `Agent "${agent}": ${(rate * 100).toFixed(1)}% of runs succeeded in the last ${minutes(successRate.windowMs)} (threshold ${(successRate.below * 100).toFixed(1)}%)`,
        details: { agent, successRate: rate, completed, failed, threshold: successRate.below, windowMs: successRate.windowMs },
        cooldownMs: successRate.cooldownMs,
      });
    }
  }

  const latency = rules.latency;
  if (latency !== undefined) {
    for (const row of await store.modelLatencyPercentiles({ ...since(latency.windowMs), percentile: 95 })) {
      if (row.calls < latency.minCalls || row.latencyMs <= latency.p95AboveMs) continue;
      found.push({
        kind: 'latency-p95',
        tenantId: row.tenantId,
        subject: row.agent,
        message: `Agent "${row.agent}": p95 model-call latency ${row.latencyMs} ms over the last ${minutes(latency.windowMs)} (threshold ${latency.p95AboveMs} ms)`,
        details: { agent: row.agent, p95Ms: row.latencyMs, calls: row.calls, thresholdMs: latency.p95AboveMs, windowMs: latency.windowMs },
        cooldownMs: latency.cooldownMs,
      });
    }
  }

  const userFailures = rules.userFailures;
  if (userFailures !== undefined) {
    for (const row of await store.countUserFailures({ ...since(userFailures.windowMs), atLeast: userFailures.failures })) {
      found.push({
        kind: 'user-failures',
        tenantId: row.tenantId,
        subject: row.userId,
        message: `User "${row.userId}": ${row.failures} failed runs in the last ${minutes(userFailures.windowMs)}`,
        details: { userId: row.userId, failures: row.failures, threshold: userFailures.failures, windowMs: userFailures.windowMs },
        cooldownMs: userFailures.cooldownMs,
      });
    }
  }

  const approvals = rules.approvalWaiting;
  if (approvals !== undefined) {
    for (const row of await store.countWaitingSince({ reason: 'approval', before: new Date(now.getTime() - approvals.olderThanMs) })) {
      found.push({
        kind: 'approval-waiting',
        tenantId: row.tenantId,
        subject: 'approvals',
        message: `${row.count} run(s) have waited for an approval for more than ${minutes(approvals.olderThanMs)} (oldest: ${row.oldestRunId})`,
        details: { runs: row.count, oldestRunId: row.oldestRunId, waitingSince: row.oldestSince, olderThanMs: approvals.olderThanMs },
        cooldownMs: approvals.cooldownMs,
      });
    }
  }
  return found;
}
