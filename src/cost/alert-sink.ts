import { sleep } from '../internal/sleep.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { BudgetPeriod, BudgetScope } from '../store/budget-store.ts';

/** A budget passed a share of its limit in its current period. */
export interface BudgetThresholdAlert {
  kind: 'budget-threshold';
  /** Unique per tenant: the same alert is delivered once, whichever process sees it first. */
  key: string;
  tenantId: string;
  at: string;
  message: string;
  /** The share of the limit that was passed, e.g. 0.8. */
  threshold: number;
  budget: { scope: BudgetScope; scopeId: string; period: BudgetPeriod; periodStart: string | null; limitUsd: number; spentUsd: number };
}

/** A tenant's spend today passed `factor` times its daily average over the previous seven days. */
export interface CostSpikeAlert {
  kind: 'cost-spike';
  key: string;
  tenantId: string;
  at: string;
  message: string;
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  todayUsd: number;
  dailyAverageUsd: number;
  factor: number;
}

export type SpendAlert = BudgetThresholdAlert | CostSpikeAlert;

/** Anything a webhook is told: a kind, a key naming this one notice (for deduplication), and its fields. */
export interface Notice {
  kind: string;
  key: string;
  message: string;
}

/** Where alerts (and other notices) go. `send` never throws: delivery failures are the sink's to log. */
/**
 * An alert of the alert rules (`telemetry/alerts/`) as the sink delivers it: a notice of one
 * tenant (or `*`, the whole deployment), at a time.
 */
export interface Alert extends Notice {
  /** `*` for an alert about the whole deployment. */
  tenantId: string;
  at: string;
}

export interface AlertSink<Alert extends Notice = SpendAlert> {
  send(alert: Alert): Promise<void>;
}

export interface WebhookAlertSinkOptions {
  url: string;
  logger: Logger;
  /** Per attempt, including reading the answer. Default 5 s. */
  timeoutMs?: number;
  /** Attempts after the first, on network errors, timeouts, 408, 429 and 5xx. Default 2. */
  retries?: number;
  /** Wait before the first retry, doubled for each next one; a `Retry-After` answer wins (up to 30 s). Default 500 ms. */
  retryDelayMs?: number;
  /** Extra request headers, e.g. a shared secret the receiver checks. */
  headers?: Record<string, string>;
}

const maxRetryAfterMs = 30_000;

/**
 * Delivers each alert (spend alerts and alert rules alike) as one JSON `POST` to a webhook (Slack-style relays, PagerDuty events
 * gateways, an internal alert router). Retries transient failures a couple of times, then logs
 * and gives up: an alert must never break the run that raised it. The URL's path is not logged,
 * since webhook URLs often carry their secret in it.
 *
 * @example
 * const sink = createWebhookAlertSink({ url: 'https://hooks.example.com/keel', logger });
 * await sink.send(alert); // resolves once delivered or given up
 */
export function createWebhookAlertSink<Alert extends Notice = SpendAlert>(options: WebhookAlertSinkOptions): AlertSink<Alert> {
  const target = new URL(options.url);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const retries = options.retries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const log = options.logger.child({ component: 'alert-webhook', webhook: target.origin });

  return {
    async send(alert) {
      const body = JSON.stringify(alert);
      for (let attempt = 0; ; attempt += 1) {
        const outcome = await post(target, body, options.headers ?? {}, timeoutMs);
        if (outcome.ok) {
          log.debug({ alertKey: alert.key, kind: alert.kind, attempt }, 'alert delivered');
          return;
        }
        const lastAttempt = attempt >= retries || !outcome.retryable;
        log.warn({ alertKey: alert.key, kind: alert.kind, attempt, status: outcome.status, err: outcome.error, givingUp: lastAttempt }, 'alert webhook failed');
        if (lastAttempt) return;
        await sleep(outcome.retryAfterMs ?? retryDelayMs * 2 ** attempt);
      }
    },
  };
}

/**
 * A sink that writes alerts to the log at `warn`: the fallback when no webhook is configured,
 * so an operator still finds them.
 *
 * @example
 * const sink = createLogAlertSink(logger);
 */
export function createLogAlertSink<Alert extends Notice = SpendAlert>(logger: Logger): AlertSink<Alert> {
  return {
    send(alert) {
      logger.warn({ alert }, alert.message);
      return Promise.resolve();
    },
  };
}

type PostOutcome = { ok: true } | { ok: false; retryable: boolean; status?: number; error?: unknown; retryAfterMs?: number };

async function post(target: URL, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostOutcome> {
  try {
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'keel-alerts', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    // The answer's body is not needed; reading it to the end lets the connection be reused.
    await response.arrayBuffer();
    if (response.ok) return { ok: true };
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return { ok: false, retryable, status: response.status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  } catch (error) {
    return { ok: false, retryable: true, error };
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Math.min(Number(value.trim()) * 1000, maxRetryAfterMs);
}
