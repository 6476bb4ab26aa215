/**
 * The composition root: the one place that wires Keel's parts from a config and the environment
 * — the store, the model gateway and its providers, token metering, spend alerts. The CLI, the
 * server and embedding applications all start here; the engine below takes each part as an
 * option and reads no environment of its own.
 */
import { hostname } from 'node:os';
import { resolveAlertRules } from './cost/alert-rule-settings.ts';
import { alertSinkFromSettings, defaultCostSpikeFactor } from './cost/alert-settings.ts';
import { createAlertEvaluator, type AlertEvaluator, type RuleAlert } from './telemetry/alerts/alert-evaluator.ts';
import type { SpendAlert } from './cost/alert-sink.ts';
import { createSpendAlerter } from './cost/spend-alerts.ts';
import { unpricedModels } from './cost/unpriced-models.ts';
import { sweepApprovals } from './oversight/approval-sweeper.ts';
import { createOversightNotifier, notifyEscalations, oversightWebhookVariable } from './oversight/oversight-notices.ts';
import { combineObservers, type CommitObserver } from './engine/commits.ts';
import { createEngine } from './engine/engine.ts';
import type { EngineOptions, Runtime } from './engine/runtime-types.ts';
import type { BreakerOptions } from './gateway/breaker/circuit-breaker.ts';
import { createGateway } from './gateway/gateway.ts';
import type { ModelReference } from './gateway/model-choice.ts';
import type { Model } from './gateway/model.ts';
import { resolveModel } from './gateway/resolve-model.ts';
import type { RetryOptions } from './gateway/retry.ts';
import { createId } from './internal/ids.ts';
import { applyLimitsFromEnv, leaseMsFrom, openStoreFromEnv, vaultFromEnv, type Environment } from './keel-env.ts';
import { createRateLimiter, type RateLimiter } from './protection/rate-limit.ts';
import { createTokenMeter } from './protection/token-meter.ts';
import { configUsesVault, type KeelConfig } from './sdk/define-config.ts';
import { loadConfig } from './sdk/load-config.ts';
import type { TenantLimits } from './store/limits-store.ts';
import type { Store } from './store/store.ts';
import { createLogger, type Logger } from './telemetry/logger.ts';
import { createRuntimeMetrics, type RuntimeMetrics } from './telemetry/metrics/runtime-metrics.ts';
import { runTracing, type TracingOption } from './telemetry/tracing/run-tracing.ts';
import type { Vault } from './vault/vault.ts';

/** A runtime as `createRuntime` wires it: the engine's `Runtime`, plus its own metrics for `/metrics`. */
export interface KeelRuntime extends Runtime {
  /** This process's figures (runs, steps, model calls, tokens, cost, tools, retries, breakers); `createApp` serves them. */
  readonly metrics: RuntimeMetrics;
  /**
   * The alert rules (`defineConfig({ alerts: { rules } })`). They are evaluated on a schedule
   * once this runtime starts a worker, by whichever process holds the store's alerts lease;
   * `evaluateOnce()` runs one round now. Undefined with `alertRules: false`.
   */
  readonly alerts: AlertEvaluator | undefined;
}

export interface RuntimeOptions extends Omit<EngineOptions, 'modelFor' | 'onCommit'> {
  config: KeelConfig;
  store: Store;
  /** Where provider keys and base URLs and the alert webhook are read from. Default `process.env`. */
  env?: Environment;
  /**
   * Resolves a model reference (an agent's model, fallbacks, routing model) to a bare model; the
   * gateway adds retries, breakers, timeouts, fallbacks, routing and caching around it.
   * Default: `resolveModel` with the config's providers and `env`.
   */
  resolveModel?: (reference: ModelReference) => Model;
  /** Retry and circuit-breaker settings of the model gateway (defaults: see `createGateway`). */
  gateway?: { retry?: RetryOptions; breaker?: BreakerOptions };
  /**
   * Counts each run's model tokens against its end user's token limit (the tenant's limits in
   * the store). Default: a limiter over `store`; `false` turns metering off.
   */
  rateLimiter?: Pick<RateLimiter, 'recordTokens'> | false;
  /** More observers of every commit, after Keel's own (see `CommitObserver`). */
  observers?: CommitObserver[];
  /** How often a process with a worker sweeps approval timeouts and escalation chains. Default 1 s; 0 turns it off. */
  approvalSweepMs?: number;
  /**
   * Traces of runs (OpenTelemetry, GenAI conventions), derived from the journal. Default: OTLP
   * export when `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set in
   * `env`, else off (and nothing of OpenTelemetry is loaded); `false` turns it off.
   */
  tracing?: TracingOption;
  /** `false`: this runtime takes no part in evaluating alert rules (spend alerts still fire). */
  alertRules?: false;
  /**
   * The vault tools' declared `credentials` are resolved from (`vaultFromEnv`, or `createVault`).
   * Without it, such tools fail their calls with `VAULT_NOT_CONFIGURED`.
   */
  vault?: Vault;
}

/**
 * A runtime with Keel's default wiring: each agent's model through the gateway (providers from
 * the config and `env`), per-user token metering, spend alerts to the config's webhook (or
 * `KEEL_ALERT_WEBHOOK_URL`, else the log). Start runs, execute them here or in background
 * workers, follow their journals, cancel them.
 *
 * @example
 * const store = await openStore('sqlite:./.keel/keel.db');
 * await store.migrate();
 * const runtime = createRuntime({ config, store });
 * const run = await runtime.run({ agent: 'support', input: 'Where is order 1001?', userId: 'u1' });
 * console.log(run.status, run.output);
 * await runtime.close();
 */
export function createRuntime(options: RuntimeOptions): KeelRuntime {
  const {
    config,
    store,
    env = process.env,
    resolveModel: resolve,
    gateway: gatewaySettings,
    rateLimiter,
    observers = [],
    approvalSweepMs = 1_000,
    tracing: tracingOption,
    alertRules: alertsOption,
    vault,
    ...engineOptions
  } = options;
  const logger = options.logger ?? createLogger();
  const workerId = engineOptions.workerId ?? `${hostname()}:${process.pid}:${createId('w').slice(-8)}`;
  const metrics = createRuntimeMetrics();
  const rules = resolveAlertRules(config.alerts.rules, config.alerts.costSpikeFactor ?? defaultCostSpikeFactor);
  // One sink for spend alerts and alert rules: the config's webhook, KEEL_ALERT_WEBHOOK_URL, else the log.
  const alertSink = alertSinkFromSettings<SpendAlert | RuleAlert>({ settings: config.alerts, env, logger });
  const alerts =
    alertsOption === false
      ? undefined
      : createAlertEvaluator({ store, sink: alertSink, rules, owner: workerId, logger, ...(options.now === undefined ? {} : { now: options.now }) });
  const gateway = createGateway({
    resolve: resolve ?? ((reference) => resolveModel(reference, { providers: config.providers, env })),
    cacheStore: store,
    logger,
    ...(options.now === undefined ? {} : { now: options.now }),
    retry: {
      ...gatewaySettings?.retry,
      onRetry: (retry) => {
        metrics.onRetry({ provider: retry.provider ?? 'unknown', modelId: retry.modelId ?? 'unknown' }, retry);
        gatewaySettings?.retry?.onRetry?.(retry);
      },
    },
    breaker: {
      ...gatewaySettings?.breaker,
      onStateChange: (change) => {
        metrics.onBreakerChange(change);
        void alerts?.breakerChanged(change);
        gatewaySettings?.breaker?.onStateChange?.(change);
      },
    },
  });
  metrics.watchBreakers(() => gateway.breakers.list());
  for (const model of unpricedModels(config.agents.values(), config.pricing)) {
    logger.warn(
      { agent: model.agent, model: `${model.provider}:${model.modelId}` },
      `model has no price: its calls cost 0 and no budget can stop them; ${model.hint}`,
    );
  }
  const limiter = rateLimiter ?? createRateLimiter({ store });
  const spendAlerts = createSpendAlerter({
    store,
    sink: alertSink,
    // The cost-spike rule is the spend alert: turned off, no spike is ever over an infinite factor.
    settings: { ...config.alerts, costSpikeFactor: rules.costSpike?.factor ?? Number.POSITIVE_INFINITY },
    logger,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const notify = createOversightNotifier({ webhookUrl: config.oversight.webhookUrl ?? nonEmpty(env[oversightWebhookVariable]), logger });
  const escalationNotices = notifyEscalations({ notify, webhookOf: (agent) => config.agents.get(agent)?.escalation.webhookUrl });
  const tracing = runTracing({ option: tracingOption, env, store, logger });
  const engine = createEngine({
    ...engineOptions,
    workerId,
    config,
    store,
    logger,
    ...(vault === undefined ? {} : { credentials: vault }),
    modelFor: (agent) => gateway.modelFor(agent),
    onCommit: combineObservers([
      ...(limiter === false ? [] : [createTokenMeter({ limiter })]),
      escalationNotices,
      metrics.observer,
      ...(tracing === undefined ? [] : [tracing.observer]),
      ...observers,
    ]),
    onSpend: async (spend) => {
      await spendAlerts(spend);
      await options.onSpend?.(spend);
    },
  });
  // Approval timeouts and escalation chains fire from every process that executes runs: each
  // firing is a guarded write, so it happens once whichever node gets there first.
  let sweeper: NodeJS.Timeout | undefined;
  let sweeping = Promise.resolve();
  let closed: Promise<void> | undefined;
  const sweep = () => {
    sweeping = sweeping
      .then(async () => {
        await sweepApprovals({ runtime: engine, now: (options.now ?? (() => new Date()))(), notify, logger });
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'approval sweep failed'));
  };
  return {
    ...engine,
    metrics,
    alerts,
    startWorker(workerOptions) {
      if (sweeper === undefined && approvalSweepMs > 0) {
        sweeper = setInterval(sweep, approvalSweepMs);
        sweeper.unref();
      }
      // A process that works runs is a long-lived one: it takes part in evaluating the alert rules.
      alerts?.start();
      return engine.startWorker(workerOptions);
    },
    close() {
      // Spans are derived by observers, which the engine's close waits for; then they are sent.
      closed ??= (async () => {
        clearInterval(sweeper);
        // The engine stops taking work at once (a run being created meanwhile is let go, not
        // executed), while a sweep or an alert evaluation in flight finishes.
        const engineClosed = engine.close();
        await sweeping;
        await alerts?.stop();
        await engineClosed;
        // What a sweep committed meanwhile started hooks of its own (spans, notices): closing
        // again (idempotent) waits for them, before tracing is shut down and the store closed.
        await engine.close();
      })().finally(() => tracing?.shutdown());
      return closed;
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export interface OpenedRuntime {
  runtime: KeelRuntime;
  store: Store;
  /** The vault, when `KEEL_MASTER_KEY` is set. */
  vault: Vault | undefined;
  config: KeelConfig;
  /** The config file that was loaded. */
  configPath: string;
  /** Stops executions gracefully (their runs stay resumable), then closes the store. */
  close(): Promise<void>;
}

/**
 * Everything from the environment: the config (`keel.config.*` in `cwd`, or `configPath`), the
 * store (`openStoreFromEnv`), and a runtime over them with `KEEL_LEASE_MS`.
 *
 * @example
 * const keel = await openRuntime({ cwd: process.cwd() });
 * keel.runtime.startWorker();
 * process.on('SIGTERM', () => void keel.close());
 */
export async function openRuntime(
  options: {
    cwd: string;
    env?: Environment;
    configPath?: string;
    logger?: Logger;
    /** Default limits where the `KEEL_*` limit variables are not set (`keel start`'s secure defaults); see `applyLimitsFromEnv`. */
    limitDefaults?: Partial<TenantLimits>;
  } & Pick<RuntimeOptions, 'observers' | 'workerId'>,
): Promise<OpenedRuntime> {
  const env = options.env ?? process.env;
  const { config, path } = await loadConfig({ cwd: options.cwd, ...(options.configPath === undefined ? {} : { path: options.configPath }) });
  const leaseMs = leaseMsFrom(env);
  const store = await openStoreFromEnv(env);
  let vault: Vault | undefined;
  try {
    await applyLimitsFromEnv(store, env, options.limitDefaults === undefined ? {} : { defaults: options.limitDefaults });
    vault = vaultFromEnv({ store, env, config, required: configUsesVault(config) });
  } catch (error) {
    await store.close();
    throw error;
  }
  const runtime = createRuntime({
    config,
    store,
    env,
    ...(vault === undefined ? {} : { vault }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.observers === undefined ? {} : { observers: options.observers }),
    ...(options.workerId === undefined ? {} : { workerId: options.workerId }),
    ...(leaseMs === undefined ? {} : { leaseMs }),
  });
  let closed: Promise<void> | undefined;
  return {
    runtime,
    store,
    vault,
    config,
    configPath: path,
    close() {
      closed ??= (async () => {
        try {
          await runtime.close();
        } finally {
          await store.close();
        }
      })();
      return closed;
    },
  };
}
