import { z } from 'zod';
import { KeelError } from '../errors/index.ts';
import type { AgentRouting, ModelReference, ModelSettings } from '../gateway/model-choice.ts';
import type { SessionPolicy } from '../journal/events.ts';
import { guardrailProblems, type AgentGuardrails } from './define-guardrail.ts';
import type { ToolDefinition } from './define-tool.ts';

export interface AgentLimits {
  /** Model calls per run. Default 20. */
  maxSteps?: number;
  /** Tool calls per run. Default 30. */
  maxToolCalls?: number;
  /** Wall-clock limit of a run, counted from its first start. Default 120 s. */
  timeoutMs?: number;
  /** Attempts to repair a final answer that fails the output schema. Default 2. */
  maxOutputRepairs?: number;
}

export interface AgentOptions {
  name: string;
  model: ModelReference;
  /**
   * Models to try, in order, when the previous one fails with a rate limit, a 5xx, a timeout,
   * an unreadable answer, an open circuit breaker, a context-length or a content-policy error.
   * Each switch is journaled as `model-fallback`.
   */
  fallbacks?: ModelReference[];
  /** A cheaper model for some calls (see `AgentRouting`). */
  routing?: AgentRouting;
  /**
   * Answer repeated deterministic calls (temperature 0 or unset, same model, same request)
   * from a per-tenant cache in the store for `ttlMs`. A hit costs nothing. Off by default.
   */
  cache?: { ttlMs: number };
  instructions: string;
  tools?: ToolDefinition[];
  /** Optional zod schema: the final answer must be JSON matching it. */
  output?: z.ZodType;
  limits?: AgentLimits;
  /** What a new message does while the session has an unfinished run. Default `queue`. */
  sessionPolicy?: SessionPolicy;
  modelSettings?: ModelSettings;
  /**
   * Spending cap of one run, in USD. Before each model call the run's cost so far plus the
   * call's worst case (prompt tokens + max output tokens, at list price) must fit, or the run
   * waits with reason `budget`. Budgets per user, agent, session and tenant are set through the
   * API (`PUT /v1/budgets/:scope/:id`).
   */
  budget?: { perRunUsd?: number };
  /** Checks at the five boundaries of a run (see `keel/guardrails`); loop detection is on by default. */
  guardrails?: AgentGuardrails;
  /** Approval requests of this agent's tools: how long they wait, and who is notified as they wait. */
  approvals?: ApprovalSettings;
  /** Handing the conversation to a human (see `EscalationSettings`). Off by default. */
  escalation?: EscalationSettings;
  description?: string;
}

export interface ApprovalSettings {
  /** A request still undecided after this long is rejected by the system. Default: 24 hours. */
  timeoutMs?: number;
  /**
   * Who to notify while a request waits, in order: after `afterMs` the request moves to the
   * level's `group` (shown in the inbox) and the level's webhook (or the config's oversight
   * webhook) receives it once.
   */
  chain?: Array<{ afterMs: number; group: string; webhookUrl?: string }>;
}

export interface EscalationSettings {
  /** Offer the model an `escalate_to_human` tool, and watch user messages for explicit requests for a human. Default true when escalation is set. */
  enabled?: boolean;
  /**
   * Escalate after this many failures since the last hand-off: failed tool calls, and final
   * answers the output schema rejected (repair turns). Default 3.
   */
  afterToolFailures?: number;
  /** Escalate when the model reports a confidence (in `escalate_to_human`'s or its answer's `confidence`) below this. */
  confidenceBelow?: number;
  /** Escalate when this says the user's message is high-stakes (a category such as legal or medical). */
  highStakes?: (input: string) => boolean;
  /** Where a new escalation is POSTed. Default: the config's `oversight.webhookUrl`. */
  webhookUrl?: string;
}

export interface AgentDefinition {
  readonly kind: 'keel.agent';
  readonly name: string;
  readonly description: string;
  readonly model: ModelReference;
  readonly fallbacks: readonly ModelReference[];
  readonly routing: AgentRouting | undefined;
  readonly cache: { ttlMs: number } | undefined;
  readonly instructions: string;
  readonly tools: readonly ToolDefinition[];
  readonly output: z.ZodType | undefined;
  readonly outputJsonSchema: Record<string, unknown> | undefined;
  readonly limits: Required<AgentLimits>;
  readonly sessionPolicy: SessionPolicy;
  readonly modelSettings: ModelSettings;
  readonly budget: { perRunUsd?: number };
  readonly guardrails: AgentGuardrails;
  readonly approvals: { timeoutMs: number; chain: ReadonlyArray<{ afterMs: number; group: string; webhookUrl?: string }> };
  readonly escalation: Required<Pick<EscalationSettings, 'enabled' | 'afterToolFailures'>> &
    Omit<EscalationSettings, 'enabled' | 'afterToolFailures'> & { configured: boolean };
}

const agentNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

/**
 * Defines an agent: a model, its instructions and the tools it may call.
 *
 * @example
 * export const support = defineAgent({
 *   name: 'support',
 *   model: 'openai:gpt-4o-mini',
 *   fallbacks: ['anthropic:claude-haiku-4-5'],
 *   modelSettings: { firstTokenTimeoutMs: 15_000, timeoutMs: 120_000 },
 *   instructions: 'You help customers with their orders.',
 *   tools: [lookupOrder, issueRefund],
 * });
 */
export function defineAgent(options: AgentOptions): AgentDefinition {
  const invalid = (message: string) => new KeelError({ code: 'AGENT_INVALID', message: `Agent "${String(options.name)}": ${message}` });
  if (typeof options.name !== 'string' || !agentNamePattern.test(options.name)) {
    throw invalid('name must start with a letter or digit and use only letters, digits, "_", "-", "." (at most 64)');
  }
  if (typeof options.instructions !== 'string') throw invalid('instructions must be a string');
  if (options.model === undefined || options.model === null || options.model === '') throw invalid('model is required');
  const tools = options.tools ?? [];
  const seen = new Set<string>();
  for (const tool of tools) {
    if (tool?.kind !== 'keel.tool') throw invalid('every tool must come from defineTool()');
    if (seen.has(tool.name)) throw invalid(`tool "${tool.name}" is listed twice`);
    seen.add(tool.name);
  }
  const limits = {
    maxSteps: options.limits?.maxSteps ?? 20,
    maxToolCalls: options.limits?.maxToolCalls ?? 30,
    timeoutMs: options.limits?.timeoutMs ?? 120_000,
    maxOutputRepairs: options.limits?.maxOutputRepairs ?? 2,
  };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < (key === 'maxOutputRepairs' ? 0 : 1)) throw invalid(`limits.${key} must be a positive integer`);
  }
  if (options.output !== undefined && !(options.output instanceof z.ZodType)) throw invalid('output must be a zod schema');
  let outputJsonSchema: Record<string, unknown> | undefined;
  if (options.output !== undefined) {
    outputJsonSchema = z.toJSONSchema(options.output, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    delete outputJsonSchema.$schema;
  }
  const perRunUsd = options.budget?.perRunUsd;
  if (perRunUsd !== undefined && !(typeof perRunUsd === 'number' && Number.isFinite(perRunUsd) && perRunUsd >= 0)) {
    throw invalid('budget.perRunUsd must be a non-negative number of dollars');
  }
  validateModelOptions(options, invalid);
  const problems = guardrailProblems(options.guardrails, 'guardrails');
  if (problems.length > 0) throw invalid(problems.join('; '));
  const approvals = approvalSettings(options.approvals, invalid);
  const escalation = escalationSettings(options.escalation, invalid);
  const sessionPolicy = options.sessionPolicy ?? 'queue';
  if (sessionPolicy !== 'queue' && sessionPolicy !== 'reject') throw invalid('sessionPolicy must be "queue" or "reject"');
  return {
    kind: 'keel.agent',
    name: options.name,
    description: options.description ?? '',
    model: options.model,
    fallbacks: options.fallbacks ?? [],
    routing: options.routing,
    cache: options.cache,
    instructions: options.instructions,
    tools,
    output: options.output,
    outputJsonSchema,
    limits,
    sessionPolicy,
    modelSettings: options.modelSettings ?? {},
    budget: options.budget ?? {},
    guardrails: options.guardrails ?? {},
    approvals,
    escalation,
  };
}

const defaultApprovalTimeoutMs = 24 * 60 * 60_000;

function approvalSettings(settings: ApprovalSettings | undefined, invalid: (message: string) => KeelError): AgentDefinition['approvals'] {
  const timeoutMs = settings?.timeoutMs ?? defaultApprovalTimeoutMs;
  if (!(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw invalid('approvals.timeoutMs must be a positive whole number of milliseconds');
  const chain = settings?.chain ?? [];
  if (!Array.isArray(chain)) throw invalid('approvals.chain must be a list');
  let previous = 0;
  for (const level of chain) {
    if (!(Number.isInteger(level?.afterMs) && level.afterMs > previous))
      throw invalid('approvals.chain: each afterMs must be a whole number of milliseconds, increasing');
    if (typeof level.group !== 'string' || level.group.trim() === '') throw invalid('approvals.chain: each level needs a group');
    if (level.webhookUrl !== undefined && !/^https?:\/\//.test(level.webhookUrl)) throw invalid('approvals.chain: webhookUrl must be an http(s) URL');
    previous = level.afterMs;
  }
  return { timeoutMs, chain: chain.map((level) => ({ ...level })) };
}

function escalationSettings(settings: EscalationSettings | undefined, invalid: (message: string) => KeelError): AgentDefinition['escalation'] {
  if (settings === undefined) return { enabled: false, afterToolFailures: 3, configured: false };
  const afterToolFailures = settings.afterToolFailures ?? 3;
  if (!(Number.isInteger(afterToolFailures) && afterToolFailures >= 1)) throw invalid('escalation.afterToolFailures must be a positive whole number');
  if (settings.confidenceBelow !== undefined && !(settings.confidenceBelow > 0 && settings.confidenceBelow <= 1)) {
    throw invalid('escalation.confidenceBelow must be a number above 0 and at most 1');
  }
  if (settings.highStakes !== undefined && typeof settings.highStakes !== 'function') throw invalid('escalation.highStakes must be a function');
  return { ...settings, enabled: settings.enabled ?? true, afterToolFailures, configured: true };
}

function validateModelOptions(options: AgentOptions, invalid: (message: string) => KeelError): void {
  const isReference = (value: unknown) => (typeof value === 'string' && value.trim() !== '') || (typeof value === 'object' && value !== null);
  if (options.fallbacks !== undefined && (!Array.isArray(options.fallbacks) || !options.fallbacks.every(isReference))) {
    throw invalid('fallbacks must be a list of models ("provider:model" strings or model instances)');
  }
  if (options.routing !== undefined) {
    if (!isReference(options.routing.cheap)) throw invalid('routing.cheap must be a model');
    if (options.routing.when !== undefined && typeof options.routing.when !== 'function') throw invalid('routing.when must be a function');
  }
  if (options.cache !== undefined && !(Number.isInteger(options.cache.ttlMs) && options.cache.ttlMs > 0)) {
    throw invalid('cache.ttlMs must be a positive whole number of milliseconds');
  }
  for (const key of ['firstTokenTimeoutMs', 'timeoutMs'] as const) {
    const value = options.modelSettings?.[key];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw invalid(`modelSettings.${key} must be a positive whole number of milliseconds`);
  }
}
