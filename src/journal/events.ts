import type { SerializedError } from '../errors/index.ts';
import type { FinishReason, ModelToolCall, ModelUsage } from './messages.ts';

/**
 * Journal events. Each is persisted with `JOURNAL_SCHEMA_VERSION`; readers must keep loading
 * every version ever written (fixtures in `test/fixtures/journals/`). Names are noun-verb and
 * double as SSE event names.
 */
export const JOURNAL_SCHEMA_VERSION = 1;

export type RunStatus = 'queued' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';
export type WaitingReason = 'approval' | 'human' | 'budget' | 'credential' | 'outcome-unknown' | 'rate-limit';
export type ToolEffect = 'read' | 'idempotent' | 'unsafe';
/** What a new message does while its session has an unfinished run: wait behind it, or be refused. */
export type SessionPolicy = 'queue' | 'reject';

export const terminalStatuses: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/** Where a guardrail checks a run: the user's message, each model turn, a tool call before it runs, its result, the final answer. */
export type GuardrailBoundary = 'input' | 'model-output' | 'tool-call' | 'tool-result' | 'output';
/** What a guardrail decided. `allow` is silent (never journaled); the others are `guardrail-decision` events. */
export type GuardrailVerdictKind = 'allow' | 'modify' | 'block' | 'escalate' | 'require-approval';

/** Who acted on a run from outside it: an API key (and the reviewer's name it gave), or Keel itself. */
export interface Actor {
  kind: 'key' | 'system' | 'cli';
  /** The API key's id, for `key`. */
  keyId?: string;
  /** A person's name as they gave it (a reviewer), or what the system did (`approval-timeout`). */
  name?: string;
}

/** What the model sees instead of the checked value after a `modify` verdict: the new text, tool arguments or tool output. */
export interface GuardrailReplacement {
  text?: string;
  args?: unknown;
  output?: unknown;
}

export type JournalEvent =
  | { type: 'run-start'; agent: string; input: string; sessionId: string; userId: string; metadata?: Record<string, unknown> }
  /** `attempt` counts the model calls made for this step: above 1 after a crash or a failed stream. */
  | { type: 'step-start'; step: number; attempt: number }
  /** A batch of streamed text; `attempt` ties it to one model call so a retried call's partial text is ignored. */
  | { type: 'text-delta'; step: number; attempt: number; text: string }
  /**
   * The gateway gave up on one model of the agent's fallback chain and called the next, because
   * of `error`. Journaled as it happens, before the next model answers (or fails too).
   */
  | { type: 'model-fallback'; step: number; from: ModelIdentity; to: ModelIdentity; error: SerializedError }
  | {
      type: 'model-response';
      step: number;
      text: string;
      toolCalls: ModelToolCall[];
      finishReason: FinishReason;
      usage: ModelUsage;
      provider: string;
      modelId: string;
      latencyMs: number;
      /** True when the response cache answered: no provider was called and the usage is zero. */
      cached?: boolean;
      /** What the call cost at the price catalogue's rates, in whole nanodollars (absent before v1 runs recorded it: 0). */
      costNanoUsd?: number;
    }
  /** Running totals of the run after a model call. */
  | { type: 'usage-update'; usage: ModelUsage; modelCalls: number; costUsd?: number }
  | {
      type: 'tool-call';
      step: number;
      callId: string;
      toolName: string;
      input: unknown;
      effect: ToolEffect;
      idempotencyKey: string;
    }
  /** Written immediately before a tool's `execute` runs; a `tool-call` without it never started. */
  | { type: 'tool-start'; step: number; callId: string; attempt: number; startedAt: string }
  | {
      type: 'tool-result';
      step: number;
      callId: string;
      output?: unknown;
      error?: SerializedError;
      durationMs: number;
      /** How the outcome was established when not by a normal execution. */
      resolvedBy?: 'reconcile' | 'human';
    }
  /**
   * A person's decision on an `unsafe` call whose outcome was unknown: `rerun` says the effect did
   * not happen and the call may run once more. (A known outcome is journaled as a `tool-result`.)
   */
  | { type: 'outcome-decision'; step: number; callId: string; decision: 'rerun'; actor?: string }
  /** The final answer failed its output schema; the next step asks the model to repair it. */
  | { type: 'output-rejected'; step: number; error: SerializedError; repairAttempt: number }
  /**
   * A guardrail's verdict other than a silent allow, journaled before anything acts on it, so a
   * resumed run applies it instead of deciding again. `changes` says what a `modify` changed
   * (kinds and counts, never a removed value); `replacement` is what the model sees instead.
   * `end`: a `block` that ends the run rather than refusing one call.
   */
  | {
      type: 'guardrail-decision';
      boundary: GuardrailBoundary;
      guardrail: string;
      verdict: Exclude<GuardrailVerdictKind, 'allow'>;
      reason: string;
      step?: number;
      callId?: string;
      latencyMs: number;
      changes?: Record<string, unknown>;
      replacement?: GuardrailReplacement;
      end?: boolean;
      /** The answer a `block` at input or output gives the user instead (a configured, canned text). */
      refusal?: string;
    }
  /** A tool call that waits for a person: the run parks in `waiting: approval` until it is decided. */
  | {
      type: 'approval-request';
      approvalId: string;
      step: number;
      callId: string;
      toolName: string;
      input: unknown;
      reason: string;
      /** Why it needs approval: the tool's own rule, a guardrail verdict, or the tenant's policy. */
      source: 'tool' | 'guardrail' | 'policy';
    }
  /** A decision on an approval: the call runs as proposed, runs with edited arguments, or is rejected and the model told why. */
  | {
      type: 'approval-decision';
      approvalId: string;
      step: number;
      callId: string;
      decision: 'approve' | 'reject' | 'edit';
      /** The edited arguments, for `edit` (validated against the tool's input schema). */
      input?: unknown;
      reason?: string;
      actor: Actor;
    }
  /** The run handed to a human: it parks in `waiting: human` with a handoff package. */
  | { type: 'escalation-open'; escalationId: string; trigger: string; reason: string; handoff: Record<string, unknown> }
  /** A human's message to the end user (the assistant's reply in the session); with `handBack` the agent resumes with it in context. */
  | { type: 'escalation-reply'; escalationId: string; message: string; handBack: boolean; actor: Actor }
  | { type: 'escalation-resolve'; escalationId: string; actor: Actor; endSession?: boolean }
  | { type: 'run-waiting'; reason: WaitingReason; details?: Record<string, unknown> }
  | { type: 'run-resume'; reason: WaitingReason; details?: Record<string, unknown> }
  | { type: 'run-end'; status: 'completed' | 'failed' | 'cancelled'; output?: unknown; error?: SerializedError };

export type JournalEventType = JournalEvent['type'];

/** A model as the journal names it. */
export interface ModelIdentity {
  provider: string;
  modelId: string;
}

/** An event as stored: its sequence number within the run (1-based, gapless) and time. */
export type JournalEntry = JournalEvent & { seq: number; at: string; v: number };
