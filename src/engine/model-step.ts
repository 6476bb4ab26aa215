import { KeelError } from '../errors/index.ts';
import type { Model, ModelCallContext, ModelRequest, ModelResponse, ModelToolSpec } from '../gateway/model.ts';
import type { ModelMessage, ModelToolCall } from '../journal/messages.ts';
import { linkedController } from '../internal/abort.ts';
import { toolIdempotencyKey } from '../internal/ids.ts';
import type { AgentDefinition } from '../sdk/define-agent.ts';
import type { JournalEvent } from '../journal/events.ts';
import { escalationToolName, escalationToolSpec } from './escalation.ts';
import type { StreamRedactor } from '../guardrails/detectors/stream/create-stream-redactor.ts';

/** Streamed text is journaled in batches at most this often, not one row per token. */
const textFlushIntervalMs = 100;

/** What every request of an agent shares: its system message and tool specs, built once per agent. */
interface AgentPrompt {
  system: ModelMessage;
  tools: ModelToolSpec[];
}

/*
 * By agent definition, which never changes once defined. The same objects in every request let
 * providers that cache their encoding per message or per tool (the Chat Completions client)
 * encode them once.
 */
const agentPrompts = new WeakMap<AgentDefinition, AgentPrompt>();

function agentPrompt(agent: AgentDefinition): AgentPrompt {
  let prompt = agentPrompts.get(agent);
  if (prompt === undefined) {
    let system = agent.instructions;
    if (agent.outputJsonSchema !== undefined) {
      system += `\n\nWhen you give your final answer, reply with only JSON matching this JSON Schema:\n${JSON.stringify(agent.outputJsonSchema)}`;
    }
    const tools = [
      ...agent.tools.map((tool) => Object.freeze({ name: tool.name, description: tool.description, inputSchema: tool.inputJsonSchema })),
      ...(agent.escalation.enabled ? [escalationToolSpec] : []),
    ];
    // Shared by every call of every run of the agent: frozen, so no wrapper can edit them for the others.
    prompt = { system: Object.freeze({ role: 'system', content: system }), tools: Object.freeze(tools) as ModelToolSpec[] };
    agentPrompts.set(agent, prompt);
  }
  return prompt;
}

export function buildModelRequest(agent: AgentDefinition, history: ModelMessage[], signal: AbortSignal, call?: ModelCallContext): ModelRequest {
  const { system, tools } = agentPrompt(agent);
  return {
    messages: [system, ...history],
    ...(tools.length > 0 ? { tools } : {}),
    ...(agent.outputJsonSchema !== undefined ? { responseFormat: { type: 'json' as const, schema: agent.outputJsonSchema } } : {}),
    ...(agent.modelSettings.maxOutputTokens !== undefined ? { maxOutputTokens: agent.modelSettings.maxOutputTokens } : {}),
    ...(agent.modelSettings.temperature !== undefined ? { temperature: agent.modelSettings.temperature } : {}),
    signal,
    ...(call === undefined ? {} : { call }),
  };
}

/**
 * Calls the model, streaming when it can. Text deltas are journaled in timed batches as they
 * arrive; the complete response is returned only once the model has finished — a stream that
 * breaks off mid-way throws, and nothing of it counts as a response. A switch to a fallback
 * model is journaled (`model-fallback`) as the gateway makes it. When the gateway starts a
 * broken stream over, a new `step-start` (the next attempt) is journaled, so readers drop the
 * text of the failed attempt.
 */
export async function callModel(options: {
  model: Model;
  request: ModelRequest;
  /**
   * The run's journal: text batches are appended as they arrive, and what the run held back
   * (`commitHeld`: the previous response) is committed once this call's request is on its way.
   */
  journal: { append(events: JournalEvent[]): Promise<void>; commitHeld?: () => Promise<void> };
  step: number;
  attempt: number;
  /**
   * Redacts streamed text before it is journaled (so before any reader sees it), holding back
   * only what a pending match may still need: one per model attempt.
   */
  redactor?: () => StreamRedactor;
}): Promise<{ response: ModelResponse; unflushedText: string; answeredOverIo: boolean }> {
  const { model, journal, step } = options;
  let attempt = options.attempt;
  let pending = '';
  let redactor = options.redactor?.();
  const flushes: Promise<void>[] = [];
  // A journal write that fails mid-call (a lost lease, say) stops the call at once, and is what
  // the caller hears about; until then its rejection is held here, never left unhandled.
  const { controller: stop, unlink } = linkedController(options.request.signal);
  const track = (write: Promise<void>) => {
    write.catch((error: unknown) => stop.abort(error));
    flushes.push(write);
  };
  const request: ModelRequest = {
    ...options.request,
    signal: stop.signal,
    call: {
      ...options.request.call,
      step,
      onFallback: (event) => track(journal.append([{ type: 'model-fallback', step, ...event }])),
      onStreamRestart: () => {
        // Text of the failed attempt not yet journaled is dropped: nobody has seen it.
        attempt += 1;
        pending = '';
        redactor = options.redactor?.();
        track(journal.append([{ type: 'step-start', step, attempt }]));
      },
    },
  };
  // A turn of the event loop after the call began: its request has gone out (a kept-alive
  // connection writes it on the next tick), and the model is working. A model that answers
  // within the same turn (in-process, a cached answer) never gets here.
  let answeredOverIo = false;
  const sent = setImmediate(() => {
    answeredOverIo = true;
    if (journal.commitHeld !== undefined) track(journal.commitHeld());
  });
  if (model.stream === undefined) {
    try {
      return { response: await model.generate(request), unflushedText: '', answeredOverIo };
    } finally {
      clearImmediate(sent);
      unlink();
      await Promise.all(flushes);
    }
  }

  let lastFlush = Date.now();
  let response: ModelResponse | undefined;
  try {
    for await (const part of model.stream(request)) {
      if (part.type === 'response') {
        response = part.response;
        continue;
      }
      pending += redactor === undefined ? part.text : redactor.push(part.text);
      if (Date.now() - lastFlush >= textFlushIntervalMs && pending !== '') {
        track(journal.append([{ type: 'text-delta', step, attempt, text: pending }]));
        pending = '';
        lastFlush = Date.now();
      }
    }
  } finally {
    clearImmediate(sent);
    unlink();
    // Surface a failed flush (a lost lease, say) rather than the stream's own outcome.
    await Promise.all(flushes);
  }
  if (response === undefined) {
    throw new KeelError({ code: 'MODEL_RESPONSE_INVALID', message: 'The model stream ended without a complete response', retryable: true });
  }
  if (redactor !== undefined) pending += redactor.end();
  if (attempt !== options.attempt && pending !== '') {
    // The caller tags leftover text with the attempt it started; text of a restarted one goes here.
    await journal.append([{ type: 'text-delta', step, attempt, text: pending }]);
    pending = '';
  }
  return { response, unflushedText: pending, answeredOverIo };
}

/**
 * Turns the model's tool calls into journal intents. Calls to unknown tools or with invalid
 * arguments get an error result at once, so the model sees what was wrong and can correct it.
 */
export function toolCallEvents(agent: AgentDefinition, runId: string, step: number, calls: ModelToolCall[]): JournalEvent[] {
  const events: JournalEvent[] = [];
  for (const call of calls) {
    const idempotencyKey = toolIdempotencyKey(runId, step, call.callId);
    if (call.toolName === escalationToolName && agent.escalation.enabled) {
      // Keel's own tool: whatever the arguments, the model asked for a human.
      events.push({
        type: 'tool-call',
        step,
        callId: call.callId,
        toolName: call.toolName,
        input: parseArguments(call.arguments),
        effect: 'read',
        idempotencyKey,
      });
      continue;
    }
    const tool = agent.tools.find((candidate) => candidate.name === call.toolName);
    const rejected = (code: 'TOOL_NOT_FOUND' | 'TOOL_INPUT_INVALID', message: string, details?: Record<string, unknown>) => {
      events.push(
        { type: 'tool-call', step, callId: call.callId, toolName: call.toolName, input: call.arguments, effect: tool?.effect ?? 'read', idempotencyKey },
        { type: 'tool-result', step, callId: call.callId, error: { code, message, ...(details === undefined ? {} : { details }) }, durationMs: 0 },
      );
    };
    if (tool === undefined) {
      rejected(
        'TOOL_NOT_FOUND',
        `There is no tool named "${call.toolName}". Available tools: ${agent.tools.map((candidate) => candidate.name).join(', ') || 'none'}.`,
      );
      continue;
    }
    let raw: unknown;
    try {
      raw = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
    } catch {
      rejected('TOOL_INPUT_INVALID', `The arguments for "${call.toolName}" are not valid JSON.`);
      continue;
    }
    const parsed = tool.input.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
      rejected('TOOL_INPUT_INVALID', `The arguments for "${call.toolName}" do not match its input schema.`, { issues });
      continue;
    }
    events.push({ type: 'tool-call', step, callId: call.callId, toolName: call.toolName, input: parsed.data, effect: tool.effect, idempotencyKey });
  }
  return events;
}

/** Some providers repeat or omit call ids; the journal needs them unique within a step. */
export function normaliseToolCallIds(calls: ModelToolCall[]): ModelToolCall[] {
  const seen = new Set<string>();
  return calls.map((call, index) => {
    let callId = call.callId === '' ? `call_${index + 1}` : call.callId;
    while (seen.has(callId)) callId = `${callId}_${index + 1}`;
    seen.add(callId);
    return callId === call.callId ? call : { ...call, callId };
  });
}

/** Parses a final answer against the agent's output schema. */
export function parseFinalOutput(agent: AgentDefinition, text: string): { ok: true; output: unknown } | { ok: false; error: KeelError } {
  if (agent.output === undefined) return { ok: true, output: text };
  const unfenced = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/u, '$1');
  let value: unknown;
  try {
    value = JSON.parse(unfenced);
  } catch {
    return { ok: false, error: new KeelError({ code: 'OUTPUT_INVALID', message: 'The final answer is not valid JSON' }) };
  }
  const parsed = agent.output.safeParse(value);
  if (parsed.success) return { ok: true, output: parsed.data };
  const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return {
    ok: false,
    error: new KeelError({ code: 'OUTPUT_INVALID', message: `The final answer does not match the output schema (${issues.join('; ')})`, details: { issues } }),
  };
}

function parseArguments(text: string): unknown {
  try {
    return text.trim() === '' ? {} : (JSON.parse(text) as unknown);
  } catch {
    return { reason: text };
  }
}
