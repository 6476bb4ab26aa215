import { Gauge, Registry } from 'prom-client';
import type { Commit, CommitObserver } from '../../engine/commits.ts';
import type { KeelError } from '../../errors/index.ts';
import type { BreakerState, BreakerStateChange } from '../../gateway/breaker/circuit-breaker.ts';
import type { JournalEvent } from '../../journal/events.ts';
import { sampledHistogram, tallyCounter } from './tallies.ts';

const secondsBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const breakerValue: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * One runtime's own figures, counted from the commits it makes (a commit observer) and from its
 * gateway (retries, breakers): Prometheus sums them across processes. Cross-node figures (queue
 * depth, runs waiting) are read from the store at scrape time instead (`storeMetrics`).
 */
export interface RuntimeMetrics {
  /** This runtime's metrics; the server's `/metrics` merges it with its own. */
  readonly registry: Registry;
  /** Counts runs, steps, model calls, tokens, cost, tool calls, guardrail verdicts from each commit. */
  readonly observer: CommitObserver;
  /** The gateway's retry hook. */
  onRetry(model: { provider: string; modelId: string }, retry: { error: KeelError }): void;
  /** The gateway's breaker hook. */
  onBreakerChange(change: BreakerStateChange): void;
  /** Where `keel_breaker_state` reads the breakers from at scrape time. */
  watchBreakers(list: () => Array<{ provider: string; modelId: string; state: BreakerState }>): void;
}

interface StepClock {
  startMs: number;
  pending: Set<string>;
}

/**
 * Metrics of one runtime, in a registry of its own (never prom-client's global one: a second
 * runtime or a re-imported module would clash on its names).
 *
 * @example
 * const metrics = createRuntimeMetrics();
 * createRuntime({ config, store, observers: [metrics.observer] });
 */
export function createRuntimeMetrics(): RuntimeMetrics {
  const registry = new Registry();
  const registers = [registry];
  const runsStarted = tallyCounter({ name: 'keel_runs_started_total', help: 'Runs created by this process', labelNames: ['tenant', 'agent'], registers });
  const runsEnded = tallyCounter({
    name: 'keel_runs_ended_total',
    help: 'Runs ended by this process, by outcome',
    labelNames: ['tenant', 'agent', 'status'],
    registers,
  });
  const runDuration = sampledHistogram({
    name: 'keel_run_duration_seconds',
    help: 'From the creation of a run to its end (queueing and waits included)',
    labelNames: ['tenant', 'agent', 'status'],
    buckets: secondsBuckets,
    registers,
  });
  const runWaits = tallyCounter({
    name: 'keel_run_waits_total',
    help: 'Runs parked in waiting, by reason',
    labelNames: ['tenant', 'agent', 'reason'],
    registers,
  });
  const stepDuration = sampledHistogram({
    name: 'keel_step_duration_seconds',
    help: "A step: its model call and the tool calls it asked for, until the last one's result (steps interrupted by a crash are not measured)",
    labelNames: ['tenant', 'agent'],
    buckets: secondsBuckets,
    registers,
  });
  const stepRetries = tallyCounter({
    name: 'keel_step_retries_total',
    help: 'Model calls of a step started again (after a crash, or a stream that broke off)',
    labelNames: ['tenant', 'agent'],
    registers,
  });
  const modelCalls = tallyCounter({
    name: 'keel_model_calls_total',
    help: 'Answered model calls',
    labelNames: ['tenant', 'agent', 'provider', 'model', 'cached'],
    registers,
  });
  const modelLatency = sampledHistogram({
    name: 'keel_model_call_duration_seconds',
    help: 'Latency of answered model calls (retries inside the gateway included)',
    labelNames: ['tenant', 'agent', 'provider', 'model'],
    buckets: secondsBuckets,
    registers,
  });
  const tokens = tallyCounter({
    name: 'keel_model_tokens_total',
    help: 'Model tokens, by type (input, output, cached)',
    labelNames: ['tenant', 'agent', 'provider', 'model', 'type'],
    registers,
  });
  const cost = tallyCounter({
    name: 'keel_model_cost_usd_total',
    help: 'What model calls cost, in USD',
    labelNames: ['tenant', 'agent', 'provider', 'model'],
    registers,
  });
  const fallbacks = tallyCounter({
    name: 'keel_model_fallbacks_total',
    help: 'Switches to the next model of a fallback chain',
    labelNames: ['tenant', 'agent', 'from', 'to'],
    registers,
  });
  const retries = tallyCounter({
    name: 'keel_model_retries_total',
    help: 'Model call attempts retried inside the gateway',
    labelNames: ['provider', 'model', 'code'],
    registers,
  });
  const toolCalls = tallyCounter({
    name: 'keel_tool_calls_total',
    help: 'Tool calls with a result, by outcome (ok, error)',
    labelNames: ['tenant', 'agent', 'tool', 'outcome'],
    registers,
  });
  const toolFailures = tallyCounter({
    name: 'keel_tool_call_failures_total',
    help: 'Tool calls that ended in an error, by code',
    labelNames: ['tenant', 'agent', 'tool', 'code'],
    registers,
  });
  const toolDuration = sampledHistogram({
    name: 'keel_tool_call_duration_seconds',
    help: 'Duration of tool calls (the last attempt)',
    labelNames: ['tenant', 'agent', 'tool'],
    buckets: secondsBuckets,
    registers,
  });
  const guardrailVerdicts = tallyCounter({
    name: 'keel_guardrail_verdicts_total',
    help: 'Guardrail decisions, by boundary and verdict',
    labelNames: ['tenant', 'agent', 'boundary', 'verdict'],
    registers,
  });
  const approvalRequests = tallyCounter({
    name: 'keel_approval_requests_total',
    help: 'Tool calls that asked for an approval, by why',
    labelNames: ['tenant', 'agent', 'tool', 'source'],
    registers,
  });
  const approvalDecisions = tallyCounter({
    name: 'keel_approval_decisions_total',
    help: 'Approval decisions (approve, reject, edit)',
    labelNames: ['tenant', 'agent', 'decision'],
    registers,
  });
  const breakerTransitions = tallyCounter({
    name: 'keel_breaker_transitions_total',
    help: 'Circuit breaker state changes',
    labelNames: ['provider', 'model', 'to'],
    registers,
  });
  let breakers: () => Array<{ provider: string; modelId: string; state: BreakerState }> = () => [];
  new Gauge({
    name: 'keel_breaker_state',
    help: 'Circuit breaker of each provider and model in this process: 0 closed, 1 half-open, 2 open',
    labelNames: ['provider', 'model'],
    registers,
    collect() {
      this.reset();
      for (const breaker of breakers()) this.set({ provider: breaker.provider, model: breaker.modelId }, breakerValue[breaker.state]);
    },
  });

  // Per run: the steps whose tool calls are still out, and each call's tool (for its result).
  const steps = new Map<string, { step?: StepClock; tools: Map<string, string> }>();

  // A label set's key: its values joined with NUL (see tallies.ts), built once per commit for the run's subject.
  const key = (...values: string[]) => values.join('\u0000');

  function count(commit: Commit, event: JournalEvent, atMs: number, subjectKey: string): void {
    const { run } = commit;
    const subject = { tenant: run.tenantId, agent: run.agent };
    const state = steps.get(run.id) ?? { tools: new Map<string, string>() };
    steps.set(run.id, state);
    switch (event.type) {
      case 'run-start':
        runsStarted.add(subjectKey, subject);
        break;
      case 'step-start':
        if (event.attempt > 1) stepRetries.add(subjectKey, subject);
        break;
      case 'model-fallback': {
        const from = `${event.from.provider}:${event.from.modelId}`;
        const to = `${event.to.provider}:${event.to.modelId}`;
        fallbacks.add(key(subjectKey, from, to), { ...subject, from, to });
        break;
      }
      case 'model-response': {
        const model = { ...subject, provider: event.provider, model: event.modelId };
        const modelKey = key(subjectKey, event.provider, event.modelId);
        const cached = event.cached === true ? 'true' : 'false';
        modelCalls.add(key(modelKey, cached), { ...model, cached });
        modelLatency.observe(modelKey, model, event.latencyMs / 1000);
        tokens.add(key(modelKey, 'input'), { ...model, type: 'input' }, event.usage.inputTokens);
        tokens.add(key(modelKey, 'output'), { ...model, type: 'output' }, event.usage.outputTokens);
        tokens.add(key(modelKey, 'cached'), { ...model, type: 'cached' }, event.usage.cachedTokens);
        cost.add(modelKey, model, (event.costNanoUsd ?? 0) / 1e9);
        const startMs = atMs - event.latencyMs;
        if (event.toolCalls.length === 0) stepDuration.observe(subjectKey, subject, event.latencyMs / 1000);
        else state.step = { startMs, pending: new Set(event.toolCalls.map((call) => call.callId)) };
        break;
      }
      case 'tool-call':
        state.tools.set(event.callId, event.toolName);
        break;
      case 'tool-result': {
        const tool = state.tools.get(event.callId) ?? 'unknown';
        state.tools.delete(event.callId);
        const toolKey = key(subjectKey, tool);
        const outcome = event.error === undefined ? 'ok' : 'error';
        toolCalls.add(key(toolKey, outcome), { ...subject, tool, outcome });
        if (event.error !== undefined) toolFailures.add(key(toolKey, event.error.code), { ...subject, tool, code: event.error.code });
        toolDuration.observe(toolKey, { ...subject, tool }, event.durationMs / 1000);
        const step = state.step;
        if (step !== undefined && step.pending.delete(event.callId) && step.pending.size === 0) {
          stepDuration.observe(subjectKey, subject, Math.max(0, atMs - step.startMs) / 1000);
          state.step = undefined;
        }
        break;
      }
      case 'run-waiting':
        runWaits.add(key(subjectKey, event.reason), { ...subject, reason: event.reason });
        break;
      case 'run-end': {
        const ended = key(subjectKey, event.status);
        runsEnded.add(ended, { ...subject, status: event.status });
        runDuration.observe(ended, { ...subject, status: event.status }, Math.max(0, atMs - Date.parse(run.createdAt)) / 1000);
        break;
      }
      case 'guardrail-decision':
        guardrailVerdicts.add(key(subjectKey, event.boundary, event.verdict), { ...subject, boundary: event.boundary, verdict: event.verdict });
        break;
      case 'approval-request':
        approvalRequests.add(key(subjectKey, event.toolName, event.source), { ...subject, tool: event.toolName, source: event.source });
        break;
      case 'approval-decision':
        approvalDecisions.add(key(subjectKey, event.decision), { ...subject, decision: event.decision });
        break;
      default:
        break;
    }
  }

  return {
    registry,
    observer(commit) {
      const atMs = Date.parse(commit.at);
      const subjectKey = key(commit.run.tenantId, commit.run.agent);
      for (const event of commit.events) count(commit, event, atMs, subjectKey);
      const last = commit.events.at(-1)?.type;
      if (last === 'run-end' || last === 'run-waiting') steps.delete(commit.run.id);
      // Runs this process stopped executing without ending them (released, lease lost) must not pile up.
      if (steps.size > 10_000) steps.delete(steps.keys().next().value ?? '');
    },
    onRetry(model, retry) {
      retries.add(key(model.provider, model.modelId, retry.error.code), { provider: model.provider, model: model.modelId, code: retry.error.code });
    },
    onBreakerChange(change) {
      breakerTransitions.add(key(change.provider, change.modelId, change.to), { provider: change.provider, model: change.modelId, to: change.to });
    },
    watchBreakers(list) {
      breakers = list;
    },
  };
}
