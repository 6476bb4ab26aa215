import { z } from 'zod';
import { KeelError } from '../errors/index.ts';
import type { ToolEffect } from '../journal/events.ts';
import type { Logger } from '../telemetry/logger.ts';

/** What a tool's `execute` receives besides its input. */
export interface ToolContext {
  /** Aborted on tool timeout, run cancellation, run timeout or shutdown. */
  signal: AbortSignal;
  /** Stable across every attempt of this call, also after a crash: derived from run, step and call id. */
  idempotencyKey: string;
  runId: string;
  sessionId: string;
  userId: string;
  callId: string;
  /** 1 for the first execution, higher on retries and on re-runs after a crash. */
  attempt: number;
  /**
   * The value of one of the tool's declared `credentials`: the run's user's, else the tenant's.
   * Every declared credential is resolved before the call's start marker is journaled, so a
   * missing one parks the run in `waiting: credential` before `execute` runs at all (safe for
   * `unsafe` tools: nothing can have happened yet); this only hands the value over. A value that
   * `execute` echoes in its result, its error or `log` is redacted before it is journaled or
   * logged. Asking for an undeclared name throws `CREDENTIAL_NOT_DECLARED`.
   */
  credential(name: string): Promise<string>;
  log: Logger;
}

/** What `reconcile` reports about an `unsafe` call whose outcome a crash left unknown. */
export type ReconcileResult<Output> = { status: 'completed'; output: Output } | { status: 'not-applied' } | { status: 'unknown' };

export interface ToolRetry {
  /** Total attempts including the first. Only errors marked retryable are retried. */
  maxAttempts: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface ToolOptions<Input extends z.ZodType, Output extends z.ZodType> {
  name: string;
  description: string;
  input: Input;
  output?: Output;
  effect: ToolEffect;
  timeoutMs?: number;
  retry?: ToolRetry;
  /**
   * Vault credentials the tool needs (`ctx.credential(name)`): a per-user secret or OAuth
   * connection, else the tenant's secret of that name. A name that is also an OAuth provider's
   * is that provider's access token, refreshed when it has expired.
   */
  credentials?: string[];
  execute(input: z.output<Input>, context: ToolContext): Promise<z.input<Output>> | z.input<Output>;
  /**
   * For `unsafe` tools: after a crash between start and result, find out whether the effect
   * happened (look the idempotency key up in the downstream system) instead of asking a human.
   */
  reconcile?(input: z.output<Input>, context: ToolContext): Promise<ReconcileResult<z.input<Output>>>;
  /**
   * Whether a call waits for a person before it runs: `never` (the default), `always`, or a
   * predicate of the validated input and the run (`(input) => input.amountUsd > 50`). A gated
   * call is journaled as an `approval-request` and the run parks in `waiting: approval`; other
   * calls of the same step run meanwhile.
   */
  approval?: ApprovalRule<z.output<Input>>;
  /** How long a request may wait before it is rejected by default. Default: the agent's `approvals.timeoutMs`. */
  approvalTimeoutMs?: number;
}

/** Who a gated call is for, for an approval predicate. */
export interface ApprovalContext {
  runId: string;
  tenantId: string;
  userId: string;
  sessionId: string;
}

export type ApprovalRule<Input> = 'never' | 'always' | ((input: Input, context: ApprovalContext) => boolean | Promise<boolean>);

export interface ToolDefinition {
  readonly kind: 'keel.tool';
  readonly name: string;
  readonly description: string;
  readonly input: z.ZodType;
  readonly output: z.ZodType | undefined;
  readonly effect: ToolEffect;
  readonly timeoutMs: number;
  readonly retry: Required<ToolRetry>;
  /** Declared vault credentials, resolved before each call starts. */
  readonly credentials: readonly string[];
  readonly inputJsonSchema: Record<string, unknown>;
  /** The JSON Schema of the promised output, when the tool declares `output` (guardrails compare results with it). */
  readonly outputJsonSchema: Record<string, unknown> | undefined;
  execute(input: unknown, context: ToolContext): Promise<unknown>;
  reconcile: ((input: unknown, context: ToolContext) => Promise<ReconcileResult<unknown>>) | undefined;
  readonly approval: ApprovalRule<unknown>;
  readonly approvalTimeoutMs: number | undefined;
}

const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;
/** The same rule as the vault's credential names. */
const credentialNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
const effects: readonly ToolEffect[] = ['read', 'idempotent', 'unsafe'];

/**
 * Defines a tool an agent may call.
 *
 * @example
 * const lookup = defineTool({
 *   name: 'lookup_order',
 *   description: 'Find an order by id',
 *   input: z.object({ orderId: z.string() }),
 *   effect: 'read',
 *   async execute({ orderId }) { return orders.get(orderId); },
 * });
 */
export function defineTool<Input extends z.ZodType, Output extends z.ZodType = z.ZodUnknown>(options: ToolOptions<Input, Output>): ToolDefinition {
  const invalid = (message: string) => new KeelError({ code: 'TOOL_INVALID', message: `Tool "${String(options.name)}": ${message}` });
  if (typeof options.name !== 'string' || !toolNamePattern.test(options.name)) {
    throw invalid('name must be 1-64 characters of letters, digits, "_" or "-"');
  }
  if (typeof options.description !== 'string' || options.description.trim() === '') throw invalid('description is required');
  if (!effects.includes(options.effect)) throw invalid(`effect must be one of ${effects.join(', ')}`);
  if (typeof options.execute !== 'function') throw invalid('execute must be a function');
  if (!(options.input instanceof z.ZodType)) throw invalid('input must be a zod schema');
  if (options.reconcile !== undefined && options.effect !== 'unsafe') throw invalid('reconcile only applies to unsafe tools');
  const approval = options.approval ?? 'never';
  if (approval !== 'never' && approval !== 'always' && typeof approval !== 'function') throw invalid('approval must be "never", "always" or a function');
  if (options.approvalTimeoutMs !== undefined && !(Number.isInteger(options.approvalTimeoutMs) && options.approvalTimeoutMs > 0)) {
    throw invalid('approvalTimeoutMs must be a positive whole number of milliseconds');
  }
  const credentials = options.credentials ?? [];
  if (!Array.isArray(credentials) || !credentials.every((name) => typeof name === 'string' && credentialNamePattern.test(name))) {
    throw invalid('credentials must be a list of names of 1-64 letters, digits, "_", "." or "-", starting with a letter or digit');
  }
  if (new Set(credentials).size !== credentials.length) throw invalid('credentials names a credential twice');
  const inputJsonSchema = z.toJSONSchema(options.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  if (inputJsonSchema.type !== 'object') throw invalid('input must be a zod object schema');
  delete inputJsonSchema.$schema;
  let outputJsonSchema: Record<string, unknown> | undefined;
  if (options.output !== undefined) {
    if (!(options.output instanceof z.ZodType)) throw invalid('output must be a zod schema');
    outputJsonSchema = z.toJSONSchema(options.output, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
    delete outputJsonSchema.$schema;
  }

  const reconcile = options.reconcile;
  return {
    kind: 'keel.tool',
    name: options.name,
    description: options.description,
    input: options.input,
    output: options.output,
    effect: options.effect,
    timeoutMs: options.timeoutMs ?? 30_000,
    retry: {
      maxAttempts: options.retry?.maxAttempts ?? 1,
      initialDelayMs: options.retry?.initialDelayMs ?? 200,
      maxDelayMs: options.retry?.maxDelayMs ?? 5_000,
    },
    credentials: Object.freeze([...credentials]),
    inputJsonSchema,
    outputJsonSchema,
    execute: async (input, context) => options.execute(input as z.output<Input>, context),
    reconcile: reconcile === undefined ? undefined : async (input, context) => reconcile(input as z.output<Input>, context),
    approval: typeof approval === 'function' ? async (input, context) => approval(input as z.output<Input>, context) : approval,
    approvalTimeoutMs: options.approvalTimeoutMs,
  };
}

/**
 * An error a tool throws to say "this failed for a passing reason and nothing was changed":
 * the runtime retries it within the tool's `retry.maxAttempts`.
 */
export class TransientToolError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientToolError';
  }
}

export function isRetryableToolError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}
