import type { SerializedError } from '../../errors/index.ts';
import type { JournalEvent, JournalEventType, ToolEffect, WaitingReason } from '../../journal/events.ts';
import type { ModelUsage } from '../../journal/messages.ts';
import { parseTraceparent } from '../../journal/trace-context.ts';
import type { RunRecord } from '../../store/store.ts';
import { genAi, genAiOperations, keel, keelEvents, otel } from './genai-attributes.ts';
import { spanIdOf } from './span-ids.ts';
import type { SpanAttributeValue, SpanEventRecord, SpanRecord } from './span-record.ts';

/**
 * What a tracer remembers of one run between commits: the few facts a later span needs (when a
 * step's model call was retried or fell back, which tool a call went to, when a wait began).
 * It always covers the journal from seq 1: a process that first meets a run mid-way (it
 * resumed it after a crash) reads the prefix from the store before going on.
 */
export interface RunTraceMemory {
  /** The seq the next event will have. */
  nextSeq: number;
  /** The run's root span id (`invoke_agent`), the parent of every other span: computed once. */
  rootSpanId?: string;
  input?: string;
  attempts: Map<number, number>;
  requestedModels: Map<number, string>;
  fallbacks: Map<number, SpanEventRecord[]>;
  toolCalls: Map<string, { toolName: string; effect: ToolEffect; input: unknown }>;
  toolStarts: Map<string, { startedAtMs: number; attempts: number }>;
  waiting?: { seq: number; atMs: number; reason: WaitingReason };
  runEvents: SpanEventRecord[];
  usage?: ModelUsage & { costUsd?: number };
}

export function newRunTraceMemory(): RunTraceMemory {
  return { nextSeq: 1, attempts: new Map(), requestedModels: new Map(), fallbacks: new Map(), toolCalls: new Map(), toolStarts: new Map(), runEvents: [] };
}

export interface SpanOptions {
  /** Message contents, tool arguments and results, error messages (off by default). */
  captureContent: boolean;
}

interface RuleContext<E extends JournalEvent> {
  event: E;
  seq: number;
  atMs: number;
  run: RunRecord;
  memory: RunTraceMemory;
  options: SpanOptions;
  /** False while reading a journal prefix another process committed (its spans were that process's to emit). */
  live: boolean;
  emit(span: SpanRecord): void;
}

type Rule<T extends JournalEventType> = (context: RuleContext<Extract<JournalEvent, { type: T }>>) => void;

/**
 * The one place that maps journal events to spans and span events: a new event type (a
 * guardrail verdict, an approval) is one more entry here.
 */
const rules: { [T in JournalEventType]?: Rule<T> } = {
  'run-start': ({ event, memory }) => {
    memory.input = event.input;
  },
  'step-start': ({ event, memory }) => {
    memory.attempts.set(event.step, event.attempt);
  },
  'model-fallback': ({ event, memory, atMs }) => {
    if (!memory.requestedModels.has(event.step)) memory.requestedModels.set(event.step, event.from.modelId);
    const events = memory.fallbacks.get(event.step) ?? [];
    events.push({
      name: keelEvents.modelFallback,
      atMs,
      attributes: {
        [keel.fallbackFrom]: `${event.from.provider}:${event.from.modelId}`,
        [keel.fallbackTo]: `${event.to.provider}:${event.to.modelId}`,
        [otel.errorType]: event.error.code,
      },
    });
    memory.fallbacks.set(event.step, events);
  },
  'model-response': (context) => {
    const { event, memory, atMs, run } = context;
    const attempt = memory.attempts.get(event.step) ?? 1;
    const fallbacks = memory.fallbacks.get(event.step) ?? [];
    const requested = memory.requestedModels.get(event.step) ?? event.modelId;
    memory.fallbacks.delete(event.step);
    memory.requestedModels.delete(event.step);
    if (!context.live) return;
    const attributes: Record<string, SpanAttributeValue> = {
      [genAi.operationName]: genAiOperations.chat,
      [genAi.providerName]: event.provider,
      [genAi.requestModel]: requested,
      [genAi.responseModel]: event.modelId,
      [genAi.inputTokens]: event.usage.inputTokens,
      [genAi.outputTokens]: event.usage.outputTokens,
      [genAi.cacheReadInputTokens]: event.usage.cachedTokens,
      [genAi.finishReasons]: [event.finishReason],
      [keel.costUsd]: (event.costNanoUsd ?? 0) / 1e9,
      [keel.latencyMs]: event.latencyMs,
      [keel.step]: event.step,
      [keel.stepAttempt]: attempt,
      [keel.runId]: run.id,
    };
    if (event.cached === true) attributes[keel.cached] = true;
    if (context.options.captureContent) attributes[genAi.outputMessages] = JSON.stringify([assistantMessage(event)]);
    const events = [...fallbacks];
    if (attempt > 1) events.unshift({ name: keelEvents.stepRetried, atMs: atMs - event.latencyMs, attributes: { [keel.stepAttempt]: attempt } });
    context.emit({
      ...childOf(run, memory),
      name: `${genAiOperations.chat} ${event.modelId}`,
      kind: 'client',
      spanId: spanIdOf(run.id, 'chat', event.step),
      startMs: atMs - event.latencyMs,
      endMs: atMs,
      attributes,
      events,
      status: event.finishReason === 'error' ? { code: 'error', message: 'the model reported an error' } : { code: 'unset' },
    });
  },
  'usage-update': ({ event, memory }) => {
    memory.usage = { ...event.usage, ...(event.costUsd === undefined ? {} : { costUsd: event.costUsd }) };
  },
  'tool-call': ({ event, memory }) => {
    memory.toolCalls.set(callKey(event.step, event.callId), { toolName: event.toolName, effect: event.effect, input: event.input });
  },
  'tool-start': ({ event, memory }) => {
    const key = callKey(event.step, event.callId);
    const earlier = memory.toolStarts.get(key);
    memory.toolStarts.set(key, { startedAtMs: Date.parse(event.startedAt), attempts: (earlier?.attempts ?? 0) + 1 });
  },
  'tool-result': (context) => {
    const { event, memory, atMs, run } = context;
    const key = callKey(event.step, event.callId);
    const call = memory.toolCalls.get(key);
    const started = memory.toolStarts.get(key);
    memory.toolCalls.delete(key);
    memory.toolStarts.delete(key);
    if (!context.live) return;
    const toolName = call?.toolName ?? 'unknown';
    const attributes: Record<string, SpanAttributeValue> = {
      [genAi.operationName]: genAiOperations.executeTool,
      [genAi.toolName]: toolName,
      [genAi.toolCallId]: event.callId,
      [genAi.toolType]: 'function',
      [keel.step]: event.step,
      [keel.runId]: run.id,
    };
    if (call !== undefined) attributes[keel.toolEffect] = call.effect;
    if (started !== undefined) attributes[keel.toolAttempts] = started.attempts;
    if (event.resolvedBy !== undefined) attributes[keel.toolResolvedBy] = event.resolvedBy;
    if (event.error !== undefined) attributes[otel.errorType] = event.error.code;
    if (context.options.captureContent) {
      if (call !== undefined) attributes[genAi.toolCallArguments] = JSON.stringify(call.input);
      if (event.error === undefined) attributes[genAi.toolCallResult] = JSON.stringify(event.output ?? null);
    }
    // The start marker's time when this process knows it; else the result's commit less the duration.
    const startMs = started?.startedAtMs ?? atMs - event.durationMs;
    context.emit({
      ...childOf(run, memory),
      name: `${genAiOperations.executeTool} ${toolName}`,
      kind: 'internal',
      spanId: spanIdOf(run.id, 'execute_tool', event.step, event.callId),
      startMs,
      endMs: started === undefined ? atMs : startMs + event.durationMs,
      attributes,
      events: [],
      status: event.error === undefined ? { code: 'unset' } : errorStatus(event.error, context.options),
    });
  },
  'output-rejected': ({ event, memory, atMs }) => {
    memory.runEvents.push({
      name: keelEvents.outputRejected,
      atMs,
      attributes: { [keel.step]: event.step, [keel.repairAttempt]: event.repairAttempt, [otel.errorType]: event.error.code },
    });
  },
  'outcome-decision': ({ event, memory, atMs }) => {
    const attributes: Record<string, SpanAttributeValue> = { [keel.step]: event.step, [keel.callId]: event.callId, [keel.decision]: event.decision };
    if (event.actor !== undefined) attributes[keel.actor] = event.actor;
    memory.runEvents.push({ name: keelEvents.outcomeDecision, atMs, attributes });
  },
  'guardrail-decision': ({ event, memory, atMs, options }) => {
    const attributes: Record<string, SpanAttributeValue> = {
      [keel.guardrailName]: event.guardrail,
      [keel.guardrailBoundary]: event.boundary,
      [keel.guardrailVerdict]: event.verdict,
      [keel.latencyMs]: event.latencyMs,
    };
    if (event.step !== undefined) attributes[keel.step] = event.step;
    if (event.callId !== undefined) attributes[keel.callId] = event.callId;
    // The reason may quote what the guardrail found (a secret it redacted): content, opt-in.
    if (options.captureContent) attributes[keel.guardrailReason] = event.reason;
    memory.runEvents.push({ name: keelEvents.guardrailDecision, atMs, attributes });
  },
  'approval-request': ({ event, memory, atMs }) => {
    memory.runEvents.push({
      name: keelEvents.approvalRequested,
      atMs,
      attributes: { [keel.approvalId]: event.approvalId, [genAi.toolName]: event.toolName, [keel.callId]: event.callId, [keel.approvalSource]: event.source },
    });
  },
  'approval-decision': ({ event, memory, atMs }) => {
    // The actor's kind only: a reviewer's name is a person's, not telemetry.
    memory.runEvents.push({
      name: keelEvents.approvalDecided,
      atMs,
      attributes: { [keel.approvalId]: event.approvalId, [keel.callId]: event.callId, [keel.decision]: event.decision, [keel.actorKind]: event.actor.kind },
    });
  },
  'escalation-open': ({ event, memory, atMs }) => {
    memory.runEvents.push({
      name: keelEvents.escalationOpened,
      atMs,
      attributes: { [keel.escalationId]: event.escalationId, [keel.escalationTrigger]: event.trigger },
    });
  },
  'escalation-reply': ({ event, memory, atMs }) => {
    memory.runEvents.push({
      name: keelEvents.escalationReplied,
      atMs,
      attributes: { [keel.escalationId]: event.escalationId, [keel.handBack]: event.handBack, [keel.actorKind]: event.actor.kind },
    });
  },
  'escalation-resolve': ({ event, memory, atMs }) => {
    memory.runEvents.push({
      name: keelEvents.escalationResolved,
      atMs,
      attributes: { [keel.escalationId]: event.escalationId, [keel.actorKind]: event.actor.kind },
    });
  },
  'run-waiting': ({ event, memory, atMs, seq }) => {
    memory.waiting = { seq, atMs, reason: event.reason };
    memory.runEvents.push({ name: keelEvents.runWaiting, atMs, attributes: { [keel.waitingReason]: event.reason } });
  },
  'run-resume': (context) => {
    context.memory.runEvents.push({ name: keelEvents.runResumed, atMs: context.atMs, attributes: { [keel.waitingReason]: context.event.reason } });
    endWait(context);
  },
  'run-end': (context) => {
    const { event, memory, atMs, run } = context;
    endWait(context);
    if (!context.live) return;
    const attributes: Record<string, SpanAttributeValue> = {
      [genAi.operationName]: genAiOperations.invokeAgent,
      [genAi.agentName]: run.agent,
      [genAi.conversationId]: run.sessionId,
      [keel.runId]: run.id,
      [keel.tenantId]: run.tenantId,
      [keel.userId]: run.userId,
      [keel.runStatus]: event.status,
      [genAi.inputTokens]: memory.usage?.inputTokens ?? 0,
      [genAi.outputTokens]: memory.usage?.outputTokens ?? 0,
      [keel.costUsd]: memory.usage?.costUsd ?? 0,
    };
    if (event.error !== undefined) attributes[otel.errorType] = event.error.code;
    if (context.options.captureContent) {
      if (memory.input !== undefined) attributes[genAi.inputMessages] = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: memory.input }] }]);
      if (event.output !== undefined)
        attributes[genAi.outputMessages] = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: textOf(event.output) }] }]);
    }
    const caller = parseTraceparent(run.traceparent);
    context.emit({
      name: `${genAiOperations.invokeAgent} ${run.agent}`,
      kind: 'internal',
      traceId: run.traceId,
      spanId: memory.rootSpanId ?? spanIdOf(run.id, 'invoke_agent'),
      ...(caller === undefined ? {} : { parentSpanId: caller.parentSpanId, parentIsRemote: true }),
      // From the run's creation: time spent queued is part of what the caller waited for.
      startMs: Date.parse(run.createdAt),
      endMs: atMs,
      attributes,
      events: memory.runEvents,
      status: event.status === 'failed' && event.error !== undefined ? errorStatus(event.error, context.options) : { code: 'unset' },
    });
  },
};

/**
 * Feeds one journal event through the rules: updates `memory`, and when `live`, emits the spans
 * it completes.
 *
 * @example
 * applyToTrace({ event, seq, atMs, run, memory, options, live: true, emit: (span) => spans.push(span) });
 */
export function applyToTrace(context: RuleContext<JournalEvent>): void {
  const rule = rules[context.event.type] as Rule<JournalEventType> | undefined;
  rule?.(context as never);
  context.memory.nextSeq = context.seq + 1;
}

/** Whether the run's spans are recorded: always, unless the caller's trace context says it is not sampled. */
export function isTraced(run: Pick<RunRecord, 'traceparent'>): boolean {
  return parseTraceparent(run.traceparent)?.sampled ?? true;
}

function endWait(context: RuleContext<Extract<JournalEvent, { type: 'run-resume' | 'run-end' }>>): void {
  const { memory, run, atMs } = context;
  const waiting = memory.waiting;
  memory.waiting = undefined;
  if (waiting === undefined || !context.live) return;
  context.emit({
    ...childOf(run, memory),
    name: `wait ${waiting.reason}`,
    kind: 'internal',
    spanId: spanIdOf(run.id, 'wait', waiting.seq),
    startMs: waiting.atMs,
    endMs: atMs,
    attributes: { [keel.waitingReason]: waiting.reason, [keel.runId]: run.id },
    events: [],
    status: { code: 'unset' },
  });
}

function childOf(run: RunRecord, memory: RunTraceMemory): { traceId: string; parentSpanId: string } {
  memory.rootSpanId ??= spanIdOf(run.id, 'invoke_agent');
  return { traceId: run.traceId, parentSpanId: memory.rootSpanId };
}

function callKey(step: number, callId: string): string {
  return `${step}\u0000${callId}`;
}

function errorStatus(error: SerializedError, options: SpanOptions): SpanRecord['status'] {
  return { code: 'error', message: options.captureContent ? `${error.code}: ${error.message}` : error.code };
}

function assistantMessage(event: Extract<JournalEvent, { type: 'model-response' }>): Record<string, unknown> {
  const parts: Array<Record<string, unknown>> = [];
  if (event.text !== '') parts.push({ type: 'text', content: event.text });
  for (const call of event.toolCalls) parts.push({ type: 'tool_call', id: call.callId, name: call.toolName, arguments: call.arguments });
  return { role: 'assistant', parts, finish_reason: event.finishReason };
}

function textOf(output: unknown): string {
  return typeof output === 'string' ? output : JSON.stringify(output);
}
