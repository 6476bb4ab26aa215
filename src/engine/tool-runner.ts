import { KeelError, toKeelError, type SerializedError } from '../errors/index.ts';
import { isRetryableToolError, type ToolContext, type ToolDefinition } from '../sdk/define-tool.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { JournalEvent, ToolEffect } from '../journal/events.ts';
import { redactJson, redactingLogger, type CredentialResolver, type RedactedSecret } from './credentials.ts';
import type { ToolCallState } from './fold.ts';
import type { StoppingVerdict } from './guardrail-runner.ts';

type ToolResultEvent = Extract<JournalEvent, { type: 'tool-result' }>;

/** How a call ended: with a journaled result (and what the tool-result guardrails said of it), or parked because nobody can tell what happened. */
export type ToolOutcome =
  | { kind: 'result'; event: ToolResultEvent; stop?: StoppingVerdict }
  | { kind: 'outcome-unknown'; details: Record<string, unknown> }
  /** Not started: a credential it declares is missing. Nothing is journaled; whoever resumes the run runs it, as a call that never reached its start marker. */
  | { kind: 'credential-missing'; details: Record<string, unknown> };

/**
 * Checks a result before it is committed (the tool-result guardrails): the events it returns
 * (their verdicts) are committed with the result, in the same write, so no reader — and no
 * resumed run — sees the data without them.
 */
export type InspectResult = (event: ToolResultEvent) => Promise<{ events: JournalEvent[]; stop?: StoppingVerdict }>;

export interface RunToolCallOptions {
  tool: ToolDefinition;
  call: ToolCallState;
  /** Where the call's start marker and result are journaled (the run's single writer). */
  journal: { append(events: JournalEvent[]): Promise<void>; defer(events: JournalEvent[], options?: { flushWithinMs?: number }): void };
  /** Aborted when the run is cancelled, times out, loses its lease or the process shuts down. */
  signal: AbortSignal;
  context: Omit<ToolContext, 'signal' | 'attempt' | 'idempotencyKey' | 'callId' | 'log' | 'credential'> & { tenantId: string };
  /** Where declared credentials come from; without it a tool that declares any fails its call. */
  credentials?: CredentialResolver | undefined;
  /**
   * The values the run's other calls resolved (by value, with their names): this call adds its
   * own, and its result is redacted of all of them, so a tool that echoes a credential another
   * tool used (an upstream that reflects the token it was sent) does not journal it either.
   */
  resolvedSecrets?: Map<string, string>;
  log: Logger;
  now: () => Date;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  inspectResult?: InspectResult;
  /** The arguments the call runs with, when a guardrail or a reviewer changed the journaled ones. */
  input?: unknown;
}

/**
 * Runs one journaled tool call to a durable outcome, honouring its effect:
 * a `read` or `idempotent` call interrupted by a crash is simply run again (with the same
 * idempotency key); an interrupted `unsafe` call is never re-run blindly — it is reconciled
 * through the tool's hook, or parked for a human.
 */
export async function runToolCall(options: RunToolCallOptions): Promise<ToolOutcome> {
  const { tool, call, journal } = options;
  const { intent } = call;
  let attempt = call.starts;

  const outcomeUnknown = tool.effect === 'unsafe' && call.starts > call.clearedStarts;
  // An unsafe call that may have taken effect and has no reconcile hook waits for a person,
  // whatever its credentials: they could not tell what happened anyway.
  if (outcomeUnknown && tool.reconcile === undefined) return { kind: 'outcome-unknown', details: unknownDetails(call) };

  // Before any start marker: a missing credential then means "never started", which is safe to
  // run later whatever the tool's effect. A call whose outcome is unknown is never failed for
  // want of a credential: it may have taken effect.
  const credentials = await resolveCredentials(options);
  if (credentials.kind === 'missing') return { kind: 'credential-missing', details: credentials.details };
  if (credentials.kind === 'failed') {
    if (outcomeUnknown) return { kind: 'outcome-unknown', details: { ...unknownDetails(call), reconcileError: credentials.event.error } };
    return await commitResult(options, credentials.event, tool.effect);
  }
  const resolved = credentials.values;
  for (const [name, value] of resolved) options.resolvedSecrets?.set(value, name);

  if (tool.effect === 'unsafe' && call.starts > call.clearedStarts) {
    const reconciled = await reconcileUnsafe(options, resolved);
    if (reconciled.kind === 'outcome-unknown') return reconciled;
    if (reconciled.kind === 'result') return await commitResult(options, reconciled.event);
  }

  for (;;) {
    attempt += 1;
    const startedAt = options.now();
    const start: JournalEvent = { type: 'tool-start', step: intent.step, callId: intent.callId, attempt, startedAt: startedAt.toISOString() };
    // Only an unsafe call needs its start marker durable before it runs: the others are re-run
    // after a crash whether or not the marker made it to disk.
    if (tool.effect === 'unsafe') await journal.append([start]);
    else journal.defer([start]);

    const execution = redactExecution(await execute(options, attempt, resolved), secretsToRedact(resolved, options.resolvedSecrets), options.log);
    const durationMs = Date.now() - startedAt.getTime();
    const resultEvent = (fields: { output: unknown } | { error: SerializedError }): ToolResultEvent => ({
      type: 'tool-result',
      step: intent.step,
      callId: intent.callId,
      ...fields,
      durationMs,
    });
    if (execution.ok) return await commitResult(options, resultEvent({ output: execution.output }), tool.effect);
    // The run is stopping (cancel, shutdown, lost lease): journal nothing, so whoever resumes the
    // run decides by the tool's effect, exactly as after a crash.
    if (options.signal.aborted) throw toKeelError(options.signal.reason, 'RUN_CANCELLED');

    if (execution.error.code === 'TOOL_TIMEOUT' && tool.effect === 'unsafe') {
      // An abandoned unsafe call may or may not have taken effect.
      const reconciled = await reconcileUnsafe(options, resolved);
      if (reconciled.kind !== 'not-applied') return reconciled.kind === 'result' ? await commitResult(options, reconciled.event) : reconciled;
    }
    if (!execution.retryable || attempt >= tool.retry.maxAttempts) {
      return await commitResult(options, resultEvent({ error: execution.error.toJSON() }), tool.effect);
    }
    const delay = Math.min(tool.retry.maxDelayMs, tool.retry.initialDelayMs * 2 ** (attempt - 1));
    await options.sleep(Math.random() * delay, options.signal);
  }
}

/** Results of `read` and `idempotent` calls reach the journal at most this long after they arrive. */
const safeResultFlushMs = 50;

/**
 * An `unsafe` call's result is committed before anything else happens: losing it would leave an
 * effect that happened looking unknown. A `read` or `idempotent` result may share the run's next
 * commit (usually the next model response): lost in a crash, the call simply runs again, which
 * its effect declares safe — and a turn then costs one commit instead of two.
 */
async function commitResult(options: RunToolCallOptions, event: ToolResultEvent, effect: ToolEffect = 'unsafe'): Promise<ToolOutcome> {
  const inspected = options.inspectResult === undefined ? { events: [] } : await options.inspectResult(event);
  const events = [event, ...inspected.events];
  if (effect === 'unsafe') await options.journal.append(events);
  else options.journal.defer(events, { flushWithinMs: safeResultFlushMs });
  return { kind: 'result', event, ...(inspected.stop === undefined ? {} : { stop: inspected.stop }) };
}

type Execution = { ok: true; output: unknown } | { ok: false; error: KeelError; retryable: boolean };

async function execute(options: RunToolCallOptions, attempt: number, credentials: ResolvedCredentials): Promise<Execution> {
  const { tool, call } = options;
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new KeelError({ code: 'TOOL_TIMEOUT', message: `Tool "${tool.name}" timed out after ${tool.timeoutMs} ms` }));
      resolve('timeout');
    }, tool.timeoutMs);
  });
  try {
    const running = tool.execute(options.input ?? call.intent.input, toolContext(options, attempt, controller.signal, credentials));
    // A tool that ignores its signal must not hold the run hostage: stop waiting at the deadline.
    const settled = await Promise.race([running.then((output) => ({ output })), timeout]);
    if (settled === 'timeout') {
      running.catch(() => undefined);
      return {
        ok: false,
        error: new KeelError({ code: 'TOOL_TIMEOUT', message: `Tool "${tool.name}" timed out after ${tool.timeoutMs} ms` }),
        retryable: true,
      };
    }
    // What the journal keeps is JSON: a value it cannot encode (a BigInt, a cycle) is the tool's
    // error, reported now, not a failed commit later.
    let encoded: string | undefined;
    try {
      encoded = JSON.stringify(settled.output);
    } catch (error) {
      const message = `Tool "${tool.name}" returned a value that cannot be stored as JSON: ${error instanceof Error ? error.message : String(error)}`;
      return { ok: false, error: new KeelError({ code: 'TOOL_OUTPUT_INVALID', message }), retryable: false };
    }
    if (tool.output !== undefined) {
      const parsed = tool.output.safeParse(settled.output);
      if (!parsed.success) {
        const error = new KeelError({
          code: 'TOOL_OUTPUT_INVALID',
          message: `Tool "${tool.name}" returned output that does not match its schema`,
          details: { issues: parsed.error.issues.slice(0, 5) },
        });
        return { ok: false, error, retryable: false };
      }
      return { ok: true, output: parsed.data };
    }
    // The model and any later resume see the same value: the one the journal holds.
    return { ok: true, output: encoded === undefined ? null : (JSON.parse(encoded) as unknown) };
  } catch (thrown) {
    const error = KeelError.isInstance(thrown)
      ? thrown
      : new KeelError({ code: 'TOOL_FAILED', message: thrown instanceof Error ? thrown.message : String(thrown), cause: thrown });
    return { ok: false, error, retryable: isRetryableToolError(thrown) };
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
  }
}

function toolContext(options: RunToolCallOptions, attempt: number, signal: AbortSignal, credentials: ResolvedCredentials): ToolContext {
  const { intent } = options.call;
  const { tenantId: _tenantId, ...context } = options.context;
  // Made on first use: most tools never log, and a child logger costs more than the rest of the context.
  let log: Logger | undefined;
  const makeLog = (): Logger => {
    const child = options.log.child({ tool: intent.toolName, callId: intent.callId, attempt });
    return credentials.size === 0 && (options.resolvedSecrets?.size ?? 0) === 0
      ? child
      : redactingLogger(child, () => secretsToRedact(credentials, options.resolvedSecrets));
  };
  return {
    ...context,
    signal,
    attempt,
    callId: intent.callId,
    idempotencyKey: intent.idempotencyKey,
    credential: (name: string) => {
      const value = credentials.get(name);
      if (value !== undefined) return Promise.resolve(value);
      return Promise.reject(
        new KeelError({
          code: 'CREDENTIAL_NOT_DECLARED',
          message: `Tool "${intent.toolName}" asked for the credential "${String(name)}", which its credentials list does not declare`,
          details: { tool: intent.toolName, credential: String(name), declared: [...options.tool.credentials] },
        }),
      );
    },
    get log() {
      return (log ??= makeLog());
    },
  };
}

/** Credential values by name, for one call. */
type ResolvedCredentials = ReadonlyMap<string, string>;

type Resolution =
  { kind: 'resolved'; values: ResolvedCredentials } | { kind: 'missing'; details: Record<string, unknown> } | { kind: 'failed'; event: ToolResultEvent };

/** Errors that stop the run (it is released and resumed elsewhere) rather than fail the call. */
const runStoppingCodes: readonly string[] = ['STORE_UNAVAILABLE', 'LEASE_LOST', 'SHUTTING_DOWN'];

/**
 * Resolves every credential the tool declares, for the run's user. A missing one (or an OAuth
 * connection the provider refused) parks the call; any other failure to resolve (the vault not
 * configured, a record that does not decrypt, a provider that is down) is the call's error, as
 * if the tool had failed before doing anything; it never carries a value.
 */
async function resolveCredentials(options: RunToolCallOptions): Promise<Resolution> {
  const { tool, call } = options;
  const { intent } = call;
  if (tool.credentials.length === 0) return { kind: 'resolved', values: new Map() };
  const values = new Map<string, string>();
  const missing: Record<string, unknown>[] = [];
  for (const name of tool.credentials) {
    try {
      if (options.credentials === undefined) {
        throw new KeelError({
          code: 'VAULT_NOT_CONFIGURED',
          message: `Tool "${tool.name}" needs the credential "${name}", but this runtime has no vault (set KEEL_MASTER_KEY)`,
        });
      }
      const request = {
        tenantId: options.context.tenantId,
        userId: options.context.userId,
        name,
        runId: options.context.runId,
        toolName: tool.name,
        callId: intent.callId,
      };
      values.set(name, await options.credentials.resolveCredential(request));
    } catch (thrown) {
      const error = toKeelError(thrown);
      if (error.code === 'CREDENTIAL_MISSING') {
        missing.push({ ...error.details, credential: name });
        continue;
      }
      if (options.signal.aborted) throw toKeelError(options.signal.reason, 'RUN_CANCELLED');
      if (runStoppingCodes.includes(error.code)) throw error;
      const event: ToolResultEvent = { type: 'tool-result', step: intent.step, callId: intent.callId, error: error.toJSON(), durationMs: 0 };
      return { kind: 'failed', event };
    }
  }
  if (missing.length > 0) return { kind: 'missing', details: { callId: intent.callId, step: intent.step, toolName: intent.toolName, missing } };
  return { kind: 'resolved', values };
}

/** The call's own credentials and those the run's other calls resolved, once each. */
function secretsToRedact(credentials: ResolvedCredentials, resolvedSecrets: ReadonlyMap<string, string> | undefined): RedactedSecret[] {
  if (credentials.size === 0 && (resolvedSecrets === undefined || resolvedSecrets.size === 0)) return [];
  const secrets = new Map<string, string>(resolvedSecrets);
  for (const [name, value] of credentials) secrets.set(value, name);
  return [...secrets].map(([value, name]) => ({ name, value }));
}

/** A result or error that echoes a credential's value has it replaced before anything journals it. */
function redactExecution(execution: Execution, secrets: readonly RedactedSecret[], log: Logger): Execution {
  if (secrets.length === 0) return execution;
  const names = [...new Set(secrets.map((secret) => secret.name))];
  if (execution.ok) {
    const output = redactJson(execution.output, secrets);
    if (output.redacted) log.warn({ credentials: names }, 'a tool result echoed a credential; it was redacted');
    return output.redacted ? { ok: true, output: output.value } : execution;
  }
  const serialized = redactJson(execution.error.toJSON(), secrets);
  if (!serialized.redacted) return execution;
  log.warn({ credentials: names }, 'a tool error echoed a credential; it was redacted');
  const { code, message, details } = serialized.value;
  // The original (and its cause, which may hold the value too) is dropped for good.
  return { ...execution, error: new KeelError({ code, message, ...(details === undefined ? {} : { details }) }) };
}

type Reconciled = ToolOutcome | { kind: 'not-applied' };

function unknownDetails(call: ToolCallState): Record<string, unknown> {
  const { intent } = call;
  return { callId: intent.callId, step: intent.step, toolName: intent.toolName, idempotencyKey: intent.idempotencyKey, input: intent.input };
}

async function reconcileUnsafe(options: RunToolCallOptions, credentials: ResolvedCredentials): Promise<Reconciled> {
  const { tool, call } = options;
  const { intent } = call;
  const details = unknownDetails(call);
  if (tool.reconcile === undefined) return { kind: 'outcome-unknown', details };
  try {
    const verdict = await tool.reconcile(options.input ?? intent.input, toolContext(options, call.starts, options.signal, credentials));
    if (verdict.status === 'completed') {
      const output = redactJson(verdict.output ?? null, secretsToRedact(credentials, options.resolvedSecrets)).value;
      return { kind: 'result', event: { type: 'tool-result', step: intent.step, callId: intent.callId, output, durationMs: 0, resolvedBy: 'reconcile' } };
    }
    if (verdict.status === 'not-applied') return { kind: 'not-applied' };
    return { kind: 'outcome-unknown', details };
  } catch (thrown) {
    const error: SerializedError = toKeelError(thrown, 'RECONCILE_FAILED').toJSON();
    return { kind: 'outcome-unknown', details: { ...details, reconcileError: error } };
  }
}
