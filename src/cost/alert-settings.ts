import type { Logger } from '../telemetry/logger.ts';
import { alertRuleProblems, type AlertRuleSettings } from './alert-rule-settings.ts';
import { createLogAlertSink, createWebhookAlertSink, type AlertSink, type Notice, type SpendAlert } from './alert-sink.ts';

/** `defineConfig({ alerts })`: where alerts go, when spend alerts fire, and the alert rules. */
export interface AlertSettings {
  /** Receives every alert as a JSON POST. Default: `KEEL_ALERT_WEBHOOK_URL`; with neither, alerts are logged. */
  webhookUrl?: string;
  /** Shares of a budget's limit that raise `budget-threshold`, each once per period. Default `[0.8]`. */
  budgetThresholds?: number[];
  /** Today's spend over this many times the daily average of the previous 7 days raises `cost-spike`. Default 2. */
  costSpikeFactor?: number;
  /** Alert rules: success rate, latency, repeated failures, breakers, approvals waiting (see `AlertRuleSettings`). */
  rules?: AlertRuleSettings;
}

export const alertWebhookVariable = 'KEEL_ALERT_WEBHOOK_URL';
export const defaultBudgetThresholds: readonly number[] = [0.8];
export const defaultCostSpikeFactor = 2;

/**
 * What is wrong with `defineConfig({ alerts })`, one sentence per problem (empty when valid).
 *
 * @example
 * alertSettingsProblems({ budgetThresholds: [1.5] }); // ['alerts.budgetThresholds: each must be a number above 0 and at most 1']
 */
export function alertSettingsProblems(settings: AlertSettings): string[] {
  const problems: string[] = [];
  if (typeof settings !== 'object' || settings === null) return ['alerts must be an object'];
  if (settings.webhookUrl !== undefined && !isHttpUrl(settings.webhookUrl)) problems.push('alerts.webhookUrl must be an http(s) URL');
  const thresholds = settings.budgetThresholds;
  if (thresholds !== undefined && (!Array.isArray(thresholds) || !thresholds.every((share) => typeof share === 'number' && share > 0 && share <= 1))) {
    problems.push('alerts.budgetThresholds: each must be a number above 0 and at most 1');
  }
  const factor = settings.costSpikeFactor;
  if (factor !== undefined && (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 1)) {
    problems.push('alerts.costSpikeFactor must be a number above 1');
  }
  if (settings.rules !== undefined) problems.push(...alertRuleProblems(settings.rules));
  return problems;
}

/**
 * The sink the settings ask for: a webhook (from the config, else `KEEL_ALERT_WEBHOOK_URL`), or
 * the log when neither is set.
 *
 * @example
 * const sink = alertSinkFromSettings({ settings: config.alerts, env: process.env, logger });
 */
export function alertSinkFromSettings<Alert extends Notice = SpendAlert>(input: {
  settings: AlertSettings | undefined;
  env: Record<string, string | undefined>;
  logger: Logger;
}): AlertSink<Alert> {
  const fromEnv = input.env[alertWebhookVariable]?.trim();
  const url = input.settings?.webhookUrl ?? (fromEnv === '' ? undefined : fromEnv);
  if (url === undefined) return createLogAlertSink<Alert>(input.logger);
  if (!isHttpUrl(url)) {
    input.logger.warn({ variable: alertWebhookVariable }, 'the alert webhook URL is not an http(s) URL: alerts go to the log instead');
    return createLogAlertSink<Alert>(input.logger);
  }
  return createWebhookAlertSink<Alert>({ url, logger: input.logger });
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}
