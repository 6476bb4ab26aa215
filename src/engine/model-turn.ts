import { performance } from 'node:perf_hooks';
import { settledSpend } from '../cost/settlement.ts';
import { usdFromNano } from '../gateway/pricing/index.ts';
import { createStreamRedactor, type StreamRedactor } from '../guardrails/detectors/stream/create-stream-redactor.ts';
import { holdBackForRedaction } from '../guardrails/detectors/stream/hold-back.ts';
import type { JournalEvent } from '../journal/events.ts';
import type { ModelMessage, ModelToolCall, ModelUsage } from '../journal/messages.ts';
import type { AgentDefinition } from '../sdk/define-agent.ts';
import type { StreamRedaction } from '../sdk/define-guardrail.ts';
import type { RunPatch } from '../store/store.ts';
import { redactText } from './credentials.ts';
import { runMessages } from './fold.ts';
import { pastToolCalls } from './past-tool-calls.ts';
import { guardrailsAt, runGuardrails, type GuardrailDecision } from './guardrail-runner.ts';
import type { ExecutionOutcome, LoopContext } from './loop-context.ts';
import { buildModelRequest, callModel, normaliseToolCallIds, parseFinalOutput, toolCallEvents } from './model-step.ts';

/**
 * One model call of a step, start to commit: the budget's admission, the call (its streamed
 * text redacted as it arrives when text-redacting guardrails are configured), the model-output
 * guardrails and — for an answer without tool calls, which may be the final one — the output
 * guardrails, then one commit of the verdicts, the response as they left it, its usage and its
 * tool-call intents. What the verdicts stop (a block, an escalation) the loop applies from the
 * fold, the same way on a resumed run.
 */
export async function modelTurn(context: LoopContext, history: ModelMessage[], step: number, attempt: number): Promise<ExecutionOutcome | undefined> {
  const { agent, state } = context;
  context.defer([{ type: 'step-start', step, attempt }]);
  const request = buildModelRequest(agent, [...history, ...runMessages(state)], context.signal, { tenantId: context.tenantId, runId: context.runId, step });
  const admission = await context.budget.admit(step, attempt, request);
  if (!admission.ok) {
    return admission.refused === 'unpriced' ? await context.end('failed', { error: admission.error }) : await context.park('budget', admission.details);
  }
  const redactions = [...streamRedactions(agent), ...resolvedSecretsRedaction(context.resolvedSecrets)];
  const started = performance.now();
  const call = await callModel({
    model: context.model,
    request,
    journal: { append: (events) => context.record(events), commitHeld: context.commitHeld },
    step,
    attempt,
    ...(redactions.length === 0 ? {} : { redactor: () => composedRedactor(redactions) }),
  });
  const latencyMs = Math.max(0, Math.round(performance.now() - started));
  const response = { ...call.response, usage: wholeUsage(call.response.usage) };
  const checked = await checkTurn(context, step, redactResolved(response.text, context.resolvedSecrets), normaliseToolCallIds(response.toolCalls));
  const { entry, costNanoUsd } = context.budget.price(step, response, latencyMs, admission.reservationId);
  const events: JournalEvent[] = [];
  if (call.unflushedText !== '') events.push({ type: 'text-delta', step, attempt, text: call.unflushedText });
  events.push(...checked.decisions);
  events.push({
    type: 'model-response',
    step,
    text: checked.text,
    toolCalls: checked.toolCalls,
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

  if (state.toolCallCount + checked.toolCalls.length > agent.limits.maxToolCalls) {
    await context.record(events, patch);
    return await context.end('failed', {
      error: { code: 'MAX_TOOL_CALLS_EXCEEDED', message: `The run reached its limit of ${agent.limits.maxToolCalls} tool calls` },
    });
  }
  const intents = toolCallEvents(agent, context.runId, step, checked.toolCalls);
  events.push(...intents);
  const spend = settledSpend({ tenantId: context.tenantId, runId: context.runId, admission, costNanoUsd });
  // Any budget that checked the call: the run's own cap, or the store's budgets covering it (a reservation implies one).
  const budgeted = agent.budget.perRunUsd !== undefined || admission.budgets.length > 0;
  if (mayHold(intents, budgeted, call.answeredOverIo)) {
    // Committed while the next model call is in flight, or with whatever commits first: off the turn's path.
    const durable = context.hold(events, patch);
    // Its failure (a lost lease) fails the next model call (`commitHeld`) or commit, where the loop hears of it.
    void durable.then(() => (spend === undefined ? undefined : context.onSpend(spend))).catch(() => undefined);
    return undefined;
  }
  await context.record(events, patch);
  if (spend !== undefined) context.onSpend(spend);
  return undefined;
}

/**
 * Whether a response may be held (`LoopContext.hold`) rather than committed at once. Never when
 * a budget checked its call (neither the agent's per-run cap nor one in the store): with one,
 * the next call is admitted against this one's settled cost, and a crash cannot lose a cost a
 * cap counts.
 *
 * An answer without tool calls is followed at once by what the loop makes of it (the run's end,
 * a repair request, a hand-over), and commits with that (ADR 0030), whoever answered.
 *
 * A response with tool calls may be committed after they have run (ADR 0029) only when
 * - every call is a `read` call, which a crash before the commit simply re-runs, whatever the
 *   model asks the second time. An `idempotent` call is not enough: asked again, the model gives
 *   new call ids, and a new call id is a new idempotency key;
 * - the model answered over I/O: its next call will too, and gives the commit somewhere to hide.
 *   An in-process model answers at once, and its response is committed as before.
 */
function mayHold(intents: JournalEvent[], budgeted: boolean, answeredOverIo: boolean): boolean {
  if (budgeted) return false;
  if (intents.length === 0) return true;
  if (!answeredOverIo) return false;
  return intents.every((event) => event.type !== 'tool-call' || event.effect === 'read');
}

/**
 * The model-output guardrails on a turn, then the output guardrails when it has no tool calls
 * (it may be the final answer, and what the answer redacts must never be journaled unredacted).
 * A turn a guardrail stops keeps no tool calls (nothing of it runs), and a blocked one no text.
 */
async function checkTurn(
  context: LoopContext,
  step: number,
  text: string,
  toolCalls: ModelToolCall[],
): Promise<{ decisions: GuardrailDecision[]; text: string; toolCalls: ModelToolCall[] }> {
  const { agent } = context;
  const turn = await runGuardrails(
    guardrailsAt(agent.guardrails, 'model-output'),
    { boundary: 'model-output', step, text, toolCalls },
    context.guardrailContext,
    { step },
  );
  const decisions = [...turn.decisions];
  let checkedText = turn.replacement?.text ?? text;
  if (turn.stop !== undefined) return { decisions, text: turn.stop.verdict === 'block' ? '' : checkedText, toolCalls: [] };
  if (toolCalls.length === 0) {
    const parsed = parseFinalOutput(agent, checkedText);
    const outputGuardrails = guardrailsAt(agent.guardrails, 'output');
    if (parsed.ok && outputGuardrails.length > 0) {
      const final = await runGuardrails(
        outputGuardrails,
        { boundary: 'output', step, text: checkedText, output: parsed.output, history: pastToolCalls(context.state) },
        context.guardrailContext,
        { step },
      );
      decisions.push(...final.decisions);
      if (final.replacement?.text !== undefined) checkedText = final.replacement.text;
      else if (final.replacement !== undefined && 'output' in final.replacement) {
        checkedText = typeof final.replacement.output === 'string' ? final.replacement.output : JSON.stringify(final.replacement.output);
      }
      if (final.stop?.verdict === 'block') checkedText = '';
    }
  }
  return { decisions, text: checkedText, toolCalls };
}

/** The stream redactions of the guardrails that may change a turn's text: model-output and output. */
function streamRedactions(agent: AgentDefinition): StreamRedaction[] {
  return [...guardrailsAt(agent.guardrails, 'model-output'), ...guardrailsAt(agent.guardrails, 'output')].flatMap((guardrail) =>
    guardrail.streamRedaction === undefined ? [] : [guardrail.streamRedaction],
  );
}

/**
 * The credential values this execution resolved, as a stream redaction: a model never sees one
 * (tool results are redacted before it reads them), but one the user typed could come back in
 * an answer, and it must not reach a stream reader or the journal either. Holds back the longest
 * end of the text that could still grow into a value. None when no tool resolved a credential.
 */
function resolvedSecretsRedaction(resolved: ReadonlyMap<string, string>): StreamRedaction[] {
  if (resolved.size === 0) return [];
  const values = [...resolved.keys()].flatMap((value) => [value, JSON.stringify(value).slice(1, -1)]);
  return [
    {
      redact: (text) => redactResolved(text, resolved),
      holdBack: (pending) => {
        let longest = 0;
        for (const value of values) {
          for (let length = Math.min(value.length - 1, pending.length); length > longest; length -= 1) {
            if (pending.endsWith(value.slice(0, length))) {
              longest = length;
              break;
            }
          }
        }
        return longest;
      },
    },
  ];
}

function redactResolved(text: string, resolved: ReadonlyMap<string, string>): string {
  return resolved.size === 0
    ? text
    : redactText(
        text,
        [...resolved].map(([value, name]) => ({ name, value })),
      );
}

/** One redactor applying every redaction in turn, holding back what the most demanding one needs. */
function composedRedactor(redactions: StreamRedaction[]): StreamRedactor {
  const holdBacks = redactions.map((redaction) => redaction.holdBack ?? holdBackForRedaction);
  return createStreamRedactor({
    redact: (text) => redactions.reduce((current, redaction) => redaction.redact(current), text),
    holdBack: (pending) => Math.max(...holdBacks.map((holdBack) => holdBack(pending))),
  });
}

/** Token counts as whole non-negative numbers, whatever a provider reported. */
function wholeUsage(usage: ModelUsage): ModelUsage {
  const whole = (value: number) => (Number.isFinite(value) && value > 0 ? Math.round(value) : 0);
  return { inputTokens: whole(usage.inputTokens), outputTokens: whole(usage.outputTokens), cachedTokens: whole(usage.cachedTokens) };
}
