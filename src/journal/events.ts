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
