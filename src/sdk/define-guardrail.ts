import { KeelError, type SerializedError } from '../errors/index.ts';
import type { GuardrailBoundary, GuardrailReplacement, ToolEffect } from '../journal/events.ts';
import type { ModelToolCall } from '../journal/messages.ts';

export type { GuardrailBoundary, GuardrailReplacement } from '../journal/events.ts';

/** A tool call as a guardrail sees it: validated arguments, before it runs (or with its outcome). */
export interface GuardedToolCall {
  callId: string;
  toolName: string;
  effect: ToolEffect;
  /** The validated arguments the call will run with. */
  input: unknown;
  /** For tool-result checks: the JSON Schema of the tool's promised output, when it declares one. */
  outputSchema?: Record<string, unknown>;
}

/** An earlier tool call of the run and what came of it, for checks that look at the history (loops). */
/** A call of the run's history, as checks see it: read-only (the same object is handed to every later check). */
export interface PastToolCall {
  readonly step: number;
  readonly callId: string;
  readonly toolName: string;
  readonly input: unknown;
  /** The result as the journal holds it (absent for an error). */
  readonly output?: unknown;
  readonly error?: SerializedError;
  /** The guardrail that refused to run it, if one did (it then has that refusal as its error). */
  readonly refusedBy?: string;
}

/** What a guardrail checks, by boundary. */
export type GuardrailSubject =
  | { boundary: 'input'; text: string }
  | { boundary: 'model-output'; step: number; text: string; toolCalls: readonly ModelToolCall[] }
  | { boundary: 'tool-call'; step: number; call: GuardedToolCall; history: readonly PastToolCall[] }
  | { boundary: 'tool-result'; step: number; call: GuardedToolCall; output?: unknown; error?: SerializedError }
  | { boundary: 'output'; step: number; text: string; output: unknown; history: readonly PastToolCall[] };

/** Who and what the checked run is. */
export interface GuardrailContext {
  runId: string;
  tenantId: string;
  userId: string;
  sessionId: string;
  agent: string;
  /** Aborted when the run stops: a check that calls a model or a service should pass it on. */
  signal: AbortSignal;
}

/**
 * A guardrail's verdict. `allow` lets the value through silently; `modify` replaces it (the
 * model sees `replacement`; `changes` says what changed, never a removed value); `block` refuses
 * it — at `input` and `output` the run ends (with `refusal` as the answer when given), at
 * `model-output` the run ends, at `tool-call` the call is not run and the model is told `reason`,
 * at `tool-result` the model gets an error instead of the data — and `end: true` makes any block
 * end the run; `escalate` hands the run to a human (`waiting: human`); `require-approval` at
 * `tool-call` parks the call until a reviewer decides it (`waiting: approval`), and elsewhere —
 * where there is no call to approve — hands the run to a human like `escalate`.
 */
export type GuardrailVerdict =
  | { verdict: 'allow' }
  | { verdict: 'modify'; reason: string; replacement: GuardrailReplacement; changes?: Record<string, unknown> }
  | { verdict: 'block'; reason: string; refusal?: string; end?: boolean }
  | { verdict: 'escalate'; reason: string }
  | { verdict: 'require-approval'; reason: string };

/**
 * Text-redacting guardrails also redact streamed text as it arrives: the engine runs their
 * `redact` over the stream, holding back only the characters `holdBack` says a pending match
 * may still need, so a value the final answer redacts never reaches a stream reader.
 */
export interface StreamRedaction {
  redact(text: string): string;
  /** How many characters at the end of `pending` might still become part of a match. */
  holdBack?(pending: string): number;
}

export interface Guardrail {
  readonly kind: 'keel.guardrail';
  readonly name: string;
  /** The boundaries it can check; placing it anywhere else is a configuration error. */
  readonly boundaries: readonly GuardrailBoundary[];
  check(subject: GuardrailSubject, context: GuardrailContext): GuardrailVerdict | Promise<GuardrailVerdict>;
  readonly streamRedaction?: StreamRedaction;
}

export interface GuardrailOptions {
  name: string;
  boundaries: readonly GuardrailBoundary[];
  check(subject: GuardrailSubject, context: GuardrailContext): GuardrailVerdict | Promise<GuardrailVerdict>;
  streamRedaction?: StreamRedaction;
}

/** Guardrails of an agent (or defaults for every agent, in `defineConfig`), by boundary. */
export interface AgentGuardrails {
  input?: Guardrail[];
  modelOutput?: Guardrail[];
  toolCall?: Guardrail[];
  toolResult?: Guardrail[];
  output?: Guardrail[];
  /**
   * Loop and no-progress detection runs at `toolCall` for every agent unless one is configured
   * there; `false` turns the default off.
   */
  loopDetection?: false;
}

export const boundaryOptionNames: Record<GuardrailBoundary, keyof Omit<AgentGuardrails, 'loopDetection'>> = {
  input: 'input',
  'model-output': 'modelOutput',
  'tool-call': 'toolCall',
  'tool-result': 'toolResult',
  output: 'output',
};

const guardrailNamePattern = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;

/**
 * Defines a guardrail of your own: a name, the boundaries it checks, and a check returning a
 * verdict (sync or async).
 *
 * @example
 * const noCompetitors = defineGuardrail({
 *   name: 'no-competitors',
 *   boundaries: ['output'],
 *   check: (subject) => (subject.boundary === 'output' && /acme corp/i.test(subject.text) ? { verdict: 'block', reason: 'mentions a competitor', refusal: 'I cannot help with that.' } : { verdict: 'allow' }),
 * });
 * defineAgent({ ..., guardrails: { output: [noCompetitors] } });
 */
export function defineGuardrail(options: GuardrailOptions): Guardrail {
  const invalid = (message: string) => new KeelError({ code: 'CONFIG_INVALID', message: `Guardrail "${String(options.name)}": ${message}` });
  if (typeof options.name !== 'string' || !guardrailNamePattern.test(options.name)) {
    throw invalid('name must be 1-64 lower-case letters, digits, "_", ".", ":" or "-"');
  }
  if (!Array.isArray(options.boundaries) || options.boundaries.length === 0 || !options.boundaries.every((boundary) => boundary in boundaryOptionNames)) {
    throw invalid(`boundaries must list some of ${Object.keys(boundaryOptionNames).join(', ')}`);
  }
  if (typeof options.check !== 'function') throw invalid('check must be a function');
  return Object.freeze({
    kind: 'keel.guardrail' as const,
    name: options.name,
    boundaries: Object.freeze([...options.boundaries]),
    check: options.check,
    ...(options.streamRedaction === undefined ? {} : { streamRedaction: options.streamRedaction }),
  });
}

/**
 * Checks an agent's (or the config's) guardrails: each is a guardrail, placed at a boundary it
 * supports. Returns the problems, one sentence each.
 */
export function guardrailProblems(guardrails: AgentGuardrails | undefined, where: string): string[] {
  if (guardrails === undefined) return [];
  if (typeof guardrails !== 'object' || guardrails === null) return [`${where}: guardrails must be an object`];
  const problems: string[] = [];
  for (const [boundary, option] of Object.entries(boundaryOptionNames) as Array<[GuardrailBoundary, keyof typeof guardrails]>) {
    const list = guardrails[option];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push(`${where}: guardrails.${option} must be a list`);
      continue;
    }
    for (const guardrail of list as unknown[]) {
      const candidate = guardrail as Partial<Guardrail> | undefined;
      if (candidate?.kind !== 'keel.guardrail')
        problems.push(`${where}: every entry of guardrails.${option} must be a guardrail (defineGuardrail or a built-in)`);
      else if (!candidate.boundaries?.includes(boundary)) problems.push(`${where}: guardrail "${candidate.name}" does not check the ${boundary} boundary`);
    }
  }
  if (guardrails.loopDetection !== undefined && guardrails.loopDetection !== false) problems.push(`${where}: guardrails.loopDetection may only be false`);
  return problems;
}
