import { KeelError, toKeelError, type SerializedError } from '../errors/index.ts';
import type { Model } from '../gateway/model.ts';
import type { ModelMessage } from '../journal/messages.ts';
import type { AgentDefinition } from '../sdk/define-agent.ts';
import type { Lease, RunPatch, Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { JournalEvent } from '../journal/events.ts';
import { applyEvent, escalatedSince, foldJournal, inputText, runMessages, type RunState } from './fold.ts';
import { createJournalWriter } from './journal-writer.ts';
import { freshJournal } from './run-start.ts';
import { failRun } from './fail-run.ts';
import { parseFinalOutput } from './model-step.ts';
import { modelTurn } from './model-turn.ts';
import { runPendingTools } from './tool-step.ts';
import { asksForHuman, escalate, failuresSinceEscalation, repeatedFailureReason } from './escalation.ts';
import { guardrailsAt, journaledOutcome, runGuardrails, type StoppingVerdict } from './guardrail-runner.ts';
import type { ExecutionOutcome, LoopContext } from './loop-context.ts';
import { createBudgetGate } from '../cost/admission.ts';
import type { SettledSpend } from '../cost/settlement.ts';
import type { Commit } from './commits.ts';
import type { CredentialResolver } from './credentials.ts';
import type { PricingOverrides } from '../gateway/pricing/index.ts';

export type { ExecutionOutcome } from './loop-context.ts';

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
  /** Where tools' declared credentials come from (the vault). */
  credentials?: CredentialResolver | undefined;
  /**
   * Told when the commit that ended or parked the run also let go of its lease, so the caller
   * need not release it again (one write, and on PostgreSQL one round trip, fewer per run).
   */
  onLeaseReleased?: () => void;
}

/**
 * A model response held back to commit while the next model call is in flight (`hold`) is
 * committed by then at the latest: a read tool that takes longer than this has its call shown
 * to the run's followers while it works.
 */
const heldResponseFlushMs = 10;

/**
 * Executes one leased run from wherever its journal says it stands until it ends, parks in
 * `waiting`, or must be let go (shutdown, lost lease).
 */
export async function executeRun(options: ExecuteRunOptions): Promise<ExecutionOutcome> {
  const { lease, store, agent, now } = options;
  const run = lease.run;
  const claimedAt = now();
  const log = options.logger.child({ runId: run.id, sessionId: run.sessionId, userId: run.userId, agent: run.agent, traceId: run.traceId });
  let state: RunState;
  try {
    state = foldJournal(freshJournal(run) ?? (await store.readJournal(run.id)));
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
  /** Folds events about to be written into the run's state; returns the patch, with the first write's status change merged in. */
  const folded = (events: JournalEvent[], patch: RunPatch | undefined): RunPatch | undefined => {
    const merged = firstPatch === undefined ? patch : { ...firstPatch, ...patch };
    firstPatch = undefined;
    const at = now().toISOString();
    for (const event of events) applyEvent(state, event, at);
    return merged;
  };
  const record = async (events: JournalEvent[], patch?: RunPatch) => {
    await writer.append(events, folded(events, patch));
  };
  const hold: LoopContext['hold'] = (events, patch) => writer.hold(events, folded(events, patch), { flushWithinMs: heldResponseFlushMs });
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
      // Nothing of this execution writes after its end.
      releaseLease: true,
      ...(sessionMessages === undefined ? {} : { sessionMessages }),
    });
    options.onLeaseReleased?.();
    log.info({ status, ...(result.error === undefined ? {} : { code: result.error.code }) }, 'run ended');
    return 'ended' as const;
  };
  const park: LoopContext['park'] = async (reason, details, extra = {}) => {
    await record([...(extra.events ?? []), { type: 'run-waiting', reason, details }], {
      ...extra.patch,
      status: 'waiting',
      waitingReason: reason,
      releaseReservations: true,
      releaseLease: true,
    });
    options.onLeaseReleased?.();
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
  const context: LoopContext = {
    run,
    runId: run.id,
    tenantId: run.tenantId,
    guardrailContext: { runId: run.id, tenantId: run.tenantId, userId: run.userId, sessionId: run.sessionId, agent: run.agent, signal },
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
    hold,
    commitHeld: () => writer.commitHeld(),
    defer,
    end,
    park,
    isDraining: options.isDraining,
    credentials: options.credentials,
    resolvedSecrets: new Map(),
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

/**
 * From wherever the journal stands to the run's next rest: the input's check, then model turns
 * and their tool calls until an answer passes its checks, a verdict stops the run, or it parks.
 */
async function loop(context: LoopContext, history: ModelMessage[]): Promise<ExecutionOutcome> {
  const { agent, state, signal } = context;
  const checkedInput = await checkInput(context);
  if (checkedInput !== undefined) return checkedInput;
  for (;;) {
    signal.throwIfAborted();
    const last = state.steps.at(-1);
    // A person replied and handed the run back after its last turn: the model answers next.
    const handedBack = last !== undefined && state.interjections.some((interjection) => interjection.afterStep === last.step);

    if (last?.response !== undefined && !handedBack) {
      const stopped = await applyTurnVerdicts(context, last.step, 'model-output');
      if (stopped !== undefined) return stopped;
      if (last.response.toolCalls.length > 0) {
        const rested = await runPendingTools(context, last);
        if (rested !== undefined) return rested;
      } else if (!state.outputRejections.some((rejection) => rejection.step === last.step)) {
        const final = parseFinalOutput(agent, last.response.text);
        if (final.ok) {
          const verdict = await applyTurnVerdicts(context, last.step, 'output');
          if (verdict !== undefined) return verdict;
          const unsure = lowConfidence(agent, final.output);
          if (unsure !== undefined && !escalatedSince(state, last.step)) return await escalate(context, { trigger: 'low-confidence', reason: unsure });
          return await context.end('completed', { output: final.output });
        }
        const rejected: JournalEvent = {
          type: 'output-rejected',
          step: last.step,
          error: final.error.toJSON(),
          repairAttempt: state.outputRejections.length + 1,
        };
        // A rejected answer is a failure like a failed tool call: enough of them hand the run to a person instead of failing it.
        const failures = agent.escalation.enabled && !escalatedSince(state, last.step) ? failuresSinceEscalation(state) : undefined;
        if (failures !== undefined && failures.toolCalls + failures.answers + 1 >= agent.escalation.afterToolFailures) {
          const reason = repeatedFailureReason({ ...failures, answers: failures.answers + 1 });
          return await escalate(context, { trigger: 'repeated-failure', reason, events: [rejected] });
        }
        if (state.outputRejections.length >= agent.limits.maxOutputRepairs) return await context.end('failed', { error: final.error.toJSON() });
        await context.record([rejected]);
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
    const ended = await modelTurn(context, history, step, retrying ? last.attempts + 1 : 1);
    if (ended !== undefined) return ended;
  }
}

/**
 * The user's message, checked once before the first model call: the input guardrails, then —
 * when escalation is enabled — an explicit request for a human or a high-stakes message. A
 * verdict already journaled is applied as it was given.
 */
async function checkInput(context: LoopContext): Promise<ExecutionOutcome | undefined> {
  const { agent, state } = context;
  let stop: StoppingVerdict | undefined;
  if (state.inputDecisions.length > 0) {
    stop = journaledOutcome(state.inputDecisions).stop;
  } else if (state.steps.length === 0) {
    const checked = await runGuardrails(guardrailsAt(agent.guardrails, 'input'), { boundary: 'input', text: state.start.input }, context.guardrailContext, {});
    if (checked.decisions.length > 0) await context.record(checked.decisions);
    stop = checked.stop;
  }
  if (stop !== undefined) return await applyStop(context, stop, 0);
  if (!agent.escalation.enabled || escalatedSince(state, 0) || state.steps.length > 0) return undefined;
  const text = inputText(state);
  if (asksForHuman(text)) return await escalate(context, { trigger: 'user-request', reason: 'The user asked for a human', question: text });
  if (agent.escalation.highStakes?.(text) === true)
    return await escalate(context, { trigger: 'high-stakes', reason: 'The request is high-stakes', question: text });
  return undefined;
}

/** Applies what a step's journaled model-output or output verdicts stopped, if anything. */
async function applyTurnVerdicts(context: LoopContext, step: number, boundary: 'model-output' | 'output'): Promise<ExecutionOutcome | undefined> {
  const decisions = context.state.steps.find((candidate) => candidate.step === step)?.decisions.filter((decision) => decision.boundary === boundary) ?? [];
  const { stop } = journaledOutcome(decisions);
  return stop === undefined ? undefined : await applyStop(context, stop, step);
}

/**
 * A stopping verdict at the input, a model turn or the answer: a block ends the run (with its
 * refusal as the answer when it gives one, else failed); an escalation — and a required
 * approval, which has no call to approve here — hands the run to a human, once.
 */
async function applyStop(context: LoopContext, stop: StoppingVerdict, step: number): Promise<ExecutionOutcome | undefined> {
  if (stop.verdict === 'block') {
    if (stop.refusal !== undefined) return await context.end('completed', { output: stop.refusal });
    return await context.end('failed', {
      error: { code: 'GUARDRAIL_BLOCKED', message: `Blocked by the ${stop.guardrail} guardrail: ${stop.reason}`, details: { guardrail: stop.guardrail } },
    });
  }
  if (escalatedSince(context.state, step)) return undefined;
  return await escalate(context, { trigger: 'guardrail', reason: `${stop.guardrail}: ${stop.reason}` });
}

/** The reason to escalate an answer whose own `confidence` is below the agent's threshold, if it is. */
function lowConfidence(agent: AgentDefinition, output: unknown): string | undefined {
  const threshold = agent.escalation.confidenceBelow;
  if (threshold === undefined || !agent.escalation.enabled || typeof output !== 'object' || output === null) return undefined;
  const confidence = (output as { confidence?: unknown }).confidence;
  return typeof confidence === 'number' && confidence < threshold ? `The agent's confidence (${confidence}) is below ${threshold}` : undefined;
}

function cancelledError(): SerializedError {
  return { code: 'RUN_CANCELLED', message: 'The run was cancelled' };
}
