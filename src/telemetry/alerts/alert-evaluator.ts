import type { ResolvedAlertRules } from '../../cost/alert-rule-settings.ts';
import type { Alert, AlertSink } from '../../cost/alert-sink.ts';
import type { BreakerStateChange } from '../../gateway/breaker/circuit-breaker.ts';
import { deploymentTenant } from '../../store/observability-store.ts';
import { firedAlertKey } from '../../store/observability-rules.ts';
import type { Store } from '../../store/store.ts';
import type { Logger } from '../logger.ts';
import { evaluateAlertRules, type AlertCandidate, type RuleAlertKind } from './alert-rules.ts';

/** An alert raised by a rule, as it is delivered and stored. */
export interface RuleAlert extends Alert {
  kind: RuleAlertKind;
  subject: string;
  details: Record<string, unknown>;
}

export interface AlertEvaluator {
  /**
   * Evaluates every rule once if this process holds (or can take) the alerts lease, and
   * delivers what fired outside its cooldown. Returns the alerts delivered.
   */
  evaluateOnce(): Promise<RuleAlert[]>;
  /** Evaluates every `evaluateEveryMs` until `stop()`. Calling it again changes nothing. */
  start(): void;
  /** Stops evaluating and gives the lease up. */
  stop(): Promise<void>;
  /** The gateway's breaker hook: a breaker that opens raises `breaker-open` (in whichever process it opened). */
  breakerChanged(change: BreakerStateChange): Promise<RuleAlert | undefined>;
}

type EvaluatorStore = Pick<
  Store,
  'countEndedRuns' | 'modelLatencyPercentiles' | 'countUserFailures' | 'countWaitingSince' | 'acquireNamedLease' | 'releaseNamedLease' | 'fireAlert'
>;

export const alertsLeaseName = 'keel.alert-rules';

/**
 * The alert rules of one runtime. Only the process holding the store's `keel.alert-rules` lease
 * evaluates them (it renews the lease each round; if it dies, another takes over once the lease
 * expires), and `store.fireAlert` applies each alert's cooldown atomically, so an alert is
 * delivered once however many nodes run. Delivery goes through the same sink as spend alerts.
 *
 * @example
 * const alerts = createAlertEvaluator({ store, sink, rules: resolveAlertRules(config.alerts.rules), owner: workerId, logger });
 * alerts.start();
 */
export function createAlertEvaluator(options: {
  store: EvaluatorStore;
  sink: AlertSink<RuleAlert>;
  rules: ResolvedAlertRules;
  /** This process in the lease table. */
  owner: string;
  logger: Logger;
  now?: () => Date;
}): AlertEvaluator {
  const { store, sink, rules, owner, logger } = options;
  const now = options.now ?? (() => new Date());
  // Three rounds: a holder that misses one round keeps the lease; a dead one loses it soon.
  const leaseMs = rules.evaluateEveryMs * 3;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<unknown> = Promise.resolve();
  const inflight = new Set<Promise<unknown>>();

  async function deliver(candidate: AlertCandidate, at: Date): Promise<RuleAlert | undefined> {
    const alert: RuleAlert = {
      kind: candidate.kind,
      key: firedAlertKey({ kind: candidate.kind, subject: candidate.subject, now: at }),
      tenantId: candidate.tenantId,
      at: at.toISOString(),
      message: candidate.message,
      subject: candidate.subject,
      details: candidate.details,
    };
    const fired = await store.fireAlert({
      tenantId: candidate.tenantId,
      kind: candidate.kind,
      subject: candidate.subject,
      payload: { ...alert },
      now: at,
      cooldownMs: candidate.cooldownMs,
    });
    if (!fired) return undefined;
    logger.warn({ alert: { kind: alert.kind, tenantId: alert.tenantId, subject: alert.subject } }, alert.message);
    await sink.send(alert);
    return alert;
  }

  async function evaluateOnce(): Promise<RuleAlert[]> {
    const at = now();
    if (!(await store.acquireNamedLease({ name: alertsLeaseName, owner, ttlMs: leaseMs, now: at }))) return [];
    const delivered: RuleAlert[] = [];
    for (const candidate of await evaluateAlertRules({ store, rules, now: at })) {
      const alert = await deliver(candidate, at);
      if (alert !== undefined) delivered.push(alert);
    }
    return delivered;
  }

  return {
    evaluateOnce,
    start() {
      if (timer !== undefined) return;
      timer = setInterval(() => {
        // One round at a time: a slow store must not pile rounds up.
        round = round.then(() => evaluateOnce().catch((error: unknown) => logger.warn({ err: error }, 'alert rules could not be evaluated')));
      }, rules.evaluateEveryMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await round;
      await Promise.allSettled([...inflight]);
      await store.releaseNamedLease(alertsLeaseName, owner).catch(() => undefined);
    },
    async breakerChanged(change) {
      const rule = rules.breakerOpen;
      if (rule === undefined || change.to !== 'open') return undefined;
      const subject = `${change.provider}:${change.modelId}`;
      const delivery = deliver(
        {
          kind: 'breaker-open',
          tenantId: deploymentTenant,
          subject,
          message: `The circuit breaker of ${subject} opened: calls to it fail fast for now`,
          details: {
            provider: change.provider,
            modelId: change.modelId,
            ...(change.calls === undefined ? {} : { calls: change.calls, failures: change.failures }),
          },
          cooldownMs: rule.cooldownMs,
        },
        now(),
      ).catch((error: unknown) => {
        logger.warn({ err: error, subject }, 'breaker alert could not be recorded');
        return undefined;
      });
      inflight.add(delivery);
      void delivery.finally(() => inflight.delete(delivery));
      return await delivery;
    },
  };
}
