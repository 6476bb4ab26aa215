import { KeelError, toKeelError, type SerializedError } from '../errors/index.ts';
import type { Model } from '../gateway/model.ts';
import type { ModelMessage, ModelUsage } from '../journal/messages.ts';
import { sleep } from '../internal/sleep.ts';
import type { AgentDefinition } from '../sdk/define-agent.ts';
import type { Lease, RunPatch, Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { JournalEvent, WaitingReason } from '../journal/events.ts';
import { applyEvent, foldJournal, runMessages, type RunState, type StepState } from './fold.ts';
import { createJournalWriter } from './journal-writer.ts';
import { failRun } from './fail-run.ts';
import { buildModelRequest, callModel, normaliseToolCallIds, parseFinalOutput, toolCallEvents } from './model-step.ts';
import { runToolCall, type ToolOutcome } from './tool-runner.ts';
import { createBudgetGate, type BudgetGate } from '../cost/admission.ts';
import { settledSpend, type SettledSpend } from '../cost/settlement.ts';
import type { Commit } from './commits.ts';
import { usdFromNano, type PricingOverrides } from '../gateway/pricing/index.ts';

/** How an execution left the run. */
export type ExecutionOutcome = 'ended' | 'waiting' | 'released' | 'lease-lost';

export interface ExecuteRunOptions {
  lease: Lease;
  store: Store;
  agent: AgentDefinition;
  model: Model;
  /** Price overrides from the config, for cost estimates and the usage ledger. */
  pricing?: PricingOverrides;
  logger: Logger;
  now: () => Date;
  /**
   * Aborted to stop the run at once: its reason is a KeelError saying why
   * (`RUN_CANCELLED`, `LEASE_LOST`, `SHUTTING_DOWN`).
   */
  signal: AbortSignal;
  /** True once the process is draining: finish the step in flight, start no new one. */
  isDraining: () => boolean;
  /** Told of each commit of this execution, once it is durable; must not throw. */
  onCommit?: (commit: Commit) => void;
  /** Told of every settled model call that cost money (for spend alerts); must not throw. */
  onSpend?: (spend: SettledSpend) => void;
}

/**
 * Executes one leased run from wherever its journal says it stands until it ends, parks in
 * `waiting`, or must be let go (shutdown, lost lease).
 */
export async function executeRun(options: ExecuteRunOptions): Promise<ExecutionOutcome> {
  const { lease, store, agent, now } = options;
  const run = lease.run;
  const claimedAt = now();
  const log = options.logger.child({ runId: run.id, sessionId: run.sessionId, userId: run.userId, agent: run.agent });
  let state: RunState;
  try {
    state = foldJournal(await store.readJournal(run.id));
  } catch (thrown) {
    const error = toKeelError(thrown);
    if (error.code !== 'JOURNAL_CORRUPT') throw error;
    // Unreadable for good: failing it is the one outcome that does not repeat on every claim.
    log.error({ err: thrown }, 'run journal cannot be folded');
    const ended = await failRun({ store, lease, error: error.toJSON(), now: now() });
    if (ended !== undefined) options.onCommit?.({ run, ...ended, claimedAt });
    return 'ended';
  }
  const writer = createJournalWriter({
    store,
    runId: run.id,
    epoch: lease.epoch,
    lastSeq: state.lastSeq,
    now,
    onCommit: (lastSeq, events, at) => options.onCommit?.({ run, events, lastSeq, at: at.toISOString(), claimedAt }),
  });
  const startedAt = run.startedAt === null ? now() : new Date(run.startedAt);
  let firstPatch: RunPatch | undefined = { status: 'running', waitingReason: null, ...(run.startedAt === null ? { startedAt } : {}) };
  const record = async (events: JournalEvent[], patch?: RunPatch) => {
    const merged = firstPatch === undefined ? patch : { ...firstPatch, ...patch };
    firstPatch = undefined;
    const at = now().toISOString();
    for (const event of events) applyEvent(state, event, at);
    await writer.append(events, merged);
  };
  const defer = (events: JournalEvent[], deferOptions?: { flushWithinMs?: number }) => {
    const at = now().toISOString();
    for (const event of events) applyEvent(state, event, at);
    writer.defer(events, deferOptions);
  };
  const end = async (status: 'completed' | 'failed' | 'cancelled', result: { output?: unknown; error?: SerializedError }) => {
    const sessionMessages: ModelMessage[] | undefined = status === 'completed' ? runMessages(state) : undefined;
    await record([{ type: 'run-end', status, ...result }], {
      status,
      waitingReason: null,
      output: result.output ?? null,
      error: result.error ?? null,
      endedAt: now(),
      // A call that failed or was cut short settled nothing: its reservation goes back.
      releaseReservations: true,
      ...(sessionMessages === undefined ? {} : { sessionMessages }),
    });
    log.info({ status, ...(result.error === undefined ? {} : { code: result.error.code }) }, 'run ended');
    return 'ended' as const;
  };
  const park = async (reason: WaitingReason, details: Record<string, unknown>) => {
    await record([{ type: 'run-waiting', reason, details }], { status: 'waiting', waitingReason: reason, releaseReservations: true });
    log.info({ reason }, 'run waiting');
    return 'waiting' as const;
  };

  // The run's time limit counts the time it could work: from its first start, minus its waits
  // (for approvals, budgets, …). Past the deadline, work in flight is aborted too.
  const timeoutError = () => new KeelError({ code: 'RUN_TIMEOUT', message: `The run exceeded its ${agent.limits.timeoutMs} ms time limit` });
  const deadline = () => startedAt.getTime() + agent.limits.timeoutMs + state.waitedMs;
  const timeout = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const armDeadline = () => {
    clearTimeout(timer);
    timer = setTimeout(() => timeout.abort(timeoutError()), Math.max(0, deadline() - now().getTime()));
  };
  const checkDeadline = () => {
    if (now().getTime() >= deadline()) throw timeoutError();
  };
  const signal = AbortSignal.any([options.signal, timeout.signal]);

  const budget = createBudgetGate({
    store,
    runId: run.id,
    subject: { tenantId: run.tenantId, userId: run.userId, agent: run.agent, sessionId: run.sessionId },
    perRunUsd: agent.budget.perRunUsd,
    model: options.model,
    pricing: options.pricing ?? {},
    spentNanoUsd: () => state.costNanoUsd,
    now,
  });
  const onSpend = (spend: SettledSpend) => options.onSpend?.(spend);
  const context = {
    runId: run.id,
    tenantId: run.tenantId,
    onSpend,
    budget,
    store,
    agent,
    model: options.model,
    log,
    now,
    signal,
    checkDeadline,
    state,
    record,
    defer,
    end,
    park,
    isDraining: options.isDraining,
  };
  try {
    if (state.end !== undefined) return 'ended';
    if (run.cancelRequested) return await end('cancelled', { error: cancelledError() });
    if (state.waiting !== undefined) await record([{ type: 'run-resume', reason: state.waiting.reason }]);
    armDeadline();
    const history = await store.listSessionMessages(run.tenantId, run.sessionId);
    const outcome = await loop(context, history);
    // Released to another node: keep what already finished here (deferred tool results).
    if (outcome === 'released') await writer.flush();
    return outcome;
  } catch (thrown) {
    const error = signal.aborted ? toKeelError(signal.reason) : toKeelError(thrown);
    if (error.code === 'LEASE_LOST') {
      log.warn('lease lost; another worker owns the run now');
      return 'lease-lost';
    }
    if (error.code === 'SHUTTING_DOWN' || error.code === 'STORE_UNAVAILABLE') {
      await writer.flush().catch(() => undefined);
      return 'released';
    }
    if (error.category === 'system' && !KeelError.isInstance(thrown)) log.error({ err: thrown }, 'run failed unexpectedly');
    const status = error.code === 'RUN_CANCELLED' ? 'cancelled' : 'failed';
    try {
      return await end(status, { error: error.toJSON() });
    } catch (ending) {
      const endError = toKeelError(ending);
      if (endError.code === 'LEASE_LOST' || endError.code === 'STORE_UNAVAILABLE') throw endError;
      // The writer died on something that would recur on every retry (a value the store cannot
      // encode, say): end the run past it, or the next claimant would re-send its model calls.
      log.error({ err: ending }, 'run could not be ended through its journal writer; failing it directly');
      const ended = await failRun({ store, lease, error: error.toJSON(), now: now() });
      if (ended !== undefined) options.onCommit?.({ run, ...ended, claimedAt });
      return 'ended';
    }
  } finally {
    clearTimeout(timer);
    writer.close();
  }
}

interface LoopContext {
  runId: string;
  /** Throws RUN_TIMEOUT once the run is past its time limit: checked before starting new work. */
  checkDeadline: () => void;
  tenantId: string;
  budget: BudgetGate;
  onSpend: (spend: SettledSpend) => void;
  agent: AgentDefinition;
  model: Model;
  log: Logger;
  now: () => Date;
  signal: AbortSignal;
  state: RunState;
  record: (events: JournalEvent[], patch?: RunPatch) => Promise<void>;
  defer: (events: JournalEvent[], options?: { flushWithinMs?: number }) => void;
  end: (status: 'completed' | 'failed' | 'cancelled', result: { output?: unknown; error?: SerializedError }) => Promise<'ended'>;
  park: (reason: WaitingReason, details: Record<string, unknown>) => Promise<'waiting'>;
  isDraining: () => boolean;
  store: Store;
}

async function loop(context: LoopContext, history: ModelMessage[]): Promise<ExecutionOutcome> {
  const { agent, state, signal } = context;
  for (;;) {
    signal.throwIfAborted();
    const last = state.steps.at(-1);

    if (last?.response !== undefined) {
      if (last.response.toolCalls.length > 0) {
        const parked = await runPendingTools(context, last);
        if (parked !== undefined) return parked;
      } else if (!state.outputRejections.some((rejection) => rejection.step === last.step)) {
        const final = parseFinalOutput(agent, last.response.text);
        if (final.ok) return await context.end('completed', { output: final.output });
        if (state.outputRejections.length >= agent.limits.maxOutputRepairs) return await context.end('failed', { error: final.error.toJSON() });
        await context.record([{ type: 'output-rejected', step: last.step, error: final.error.toJSON(), repairAttempt: state.outputRejections.length + 1 }]);
        continue;
      }
    }

    // Next model call: the unanswered step again (its earlier attempt died), or a new step.
    // A draining process starts no new step: the run is released for another node to continue.
    if (context.isDraining()) return 'released';
    context.checkDeadline();
    const retrying = last !== undefined && last.response === undefined;
    const step = retrying ? last.step : (last?.step ?? 0) + 1;
    if (!retrying && step > agent.limits.maxSteps) {
      return await context.end('failed', {
        error: { code: 'MAX_STEPS_EXCEEDED', message: `The run reached its limit of ${agent.limits.maxSteps} model steps` },
      });
    }
    const ended = await modelStep(context, history, step, retrying ? last.attempts + 1 : 1);
    if (ended !== undefined) return ended;
  }
}

async function modelStep(context: LoopContext, history: ModelMessage[], step: number, attempt: number): Promise<ExecutionOutcome | undefined> {
  const { agent, state } = context;
  context.defer([{ type: 'step-start', step, attempt }]);
  const request = buildModelRequest(agent, [...history, ...runMessages(state)], context.signal, { tenantId: context.tenantId, runId: context.runId, step });
  const admission = await context.budget.admit(step, attempt, request);
  if (!admission.ok) {
    return admission.refused === 'unpriced' ? await context.end('failed', { error: admission.error }) : await context.park('budget', admission.details);
  }
  const started = Date.now();
  const { response: answer, unflushedText } = await callModel({
    model: context.model,
    request,
    journal: { append: (events) => context.record(events) },
    step,
    attempt,
  });
  // Clocks can step backwards; the ledger takes whole, non-negative numbers only.
  const latencyMs = Math.max(0, Date.now() - started);
  const response = { ...answer, usage: wholeUsage(answer.usage) };
  const toolCalls = normaliseToolCallIds(response.toolCalls);
  const { entry, costNanoUsd } = context.budget.price(step, response, latencyMs, admission.reservationId);
  const events: JournalEvent[] = [];
  if (unflushedText !== '') events.push({ type: 'text-delta', step, attempt, text: unflushedText });
  events.push({
    type: 'model-response',
    step,
    text: response.text,
    toolCalls,
    finishReason: response.finishReason,
    usage: response.usage,
    provider: response.provider,
    modelId: response.modelId,
    ...(response.cached === true ? { cached: true } : {}),
    latencyMs,
    costNanoUsd,
  });
  const usage = { ...state.usage };
  usage.inputTokens += response.usage.inputTokens;
  usage.outputTokens += response.usage.outputTokens;
  usage.cachedTokens += response.usage.cachedTokens;
  const runCost = state.costNanoUsd + costNanoUsd;
  events.push({ type: 'usage-update', usage, modelCalls: state.modelCalls + 1, costUsd: usdFromNano(runCost) });
  const patch: RunPatch = { usage, costNanoUsd: runCost, usageEntry: entry };

  if (state.toolCallCount + toolCalls.length > agent.limits.maxToolCalls) {
    await context.record(events, patch);
    return await context.end('failed', {
      error: { code: 'MAX_TOOL_CALLS_EXCEEDED', message: `The run reached its limit of ${agent.limits.maxToolCalls} tool calls` },
    });
  }
  events.push(...toolCallEvents(agent, context.runId, step, toolCalls));
  await context.record(events, patch);
  const spend = settledSpend({ tenantId: context.tenantId, runId: context.runId, admission, costNanoUsd });
  if (spend !== undefined) context.onSpend(spend);
  return undefined;
}

/** Executes the step's unfinished tool calls in parallel; parks the run if any outcome is unknown. */
async function runPendingTools(context: LoopContext, step: StepState): Promise<ExecutionOutcome | undefined> {
  const { agent, state } = context;
  const pending = [...step.toolCalls.values()].filter((call) => call.result === undefined);
  if (pending.length === 0) return undefined;
  // Draining: start no tool; whoever resumes the run runs them (finishing an answered run is fine).
  if (context.isDraining()) return 'released';
  context.checkDeadline();
  const settled = await Promise.allSettled(
    pending.map((call) => {
      const tool = agent.tools.find((candidate) => candidate.name === call.intent.toolName);
      if (tool === undefined && call.intent.effect === 'unsafe' && call.starts > call.clearedStarts) {
        // The tool is gone but may have taken effect: telling the model it failed invites a redo.
        const details = {
          callId: call.intent.callId,
          step: call.intent.step,
          toolName: call.intent.toolName,
          idempotencyKey: call.intent.idempotencyKey,
          input: call.intent.input,
        };
        return Promise.resolve<ToolOutcome>({ kind: 'outcome-unknown', details });
      }
      if (tool === undefined) {
        // The agent changed since the call was journaled: report it to the model like any bad call.
        const event: JournalEvent = {
          type: 'tool-result',
          step: step.step,
          callId: call.intent.callId,
          error: { code: 'TOOL_NOT_FOUND', message: `The tool "${call.intent.toolName}" no longer exists` },
          durationMs: 0,
        };
        return context.record([event]).then((): ToolOutcome => ({ kind: 'result', event }));
      }
      return runToolCall({
        tool,
        call,
        journal: { append: (events) => context.record(events), defer: context.defer },
        signal: context.signal,
        context: { runId: context.runId, sessionId: state.start.sessionId, userId: state.start.userId },
        log: context.log,
        now: context.now,
        sleep,
      });
    }),
  );
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  const unknown = settled.flatMap((result) => (result.status === 'fulfilled' && result.value.kind === 'outcome-unknown' ? [result.value.details] : []));
  if (unknown.length > 0) return await context.park('outcome-unknown', { calls: unknown });
  return undefined;
}

function cancelledError(): SerializedError {
  return { code: 'RUN_CANCELLED', message: 'The run was cancelled' };
}

/** Token counts as whole non-negative numbers, whatever a provider reported. */
function wholeUsage(usage: ModelUsage): ModelUsage {
  const whole = (value: number) => (Number.isFinite(value) && value > 0 ? Math.round(value) : 0);
  return { inputTokens: whole(usage.inputTokens), outputTokens: whole(usage.outputTokens), cachedTokens: whole(usage.cachedTokens) };
}
