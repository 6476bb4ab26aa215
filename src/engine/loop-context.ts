import type { SerializedError } from '../errors/index.ts';
import type { BudgetGate } from '../cost/admission.ts';
import type { SettledSpend } from '../cost/settlement.ts';
import type { Model } from '../gateway/model.ts';
import type { JournalEvent, WaitingReason } from '../journal/events.ts';
import type { AgentDefinition } from '../sdk/define-agent.ts';
import type { GuardrailContext } from '../sdk/define-guardrail.ts';
import type { RunPatch, RunRecord, Store } from '../store/store.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { CredentialResolver } from './credentials.ts';
import type { RunState } from './fold.ts';

/** How an execution left the run. */
export type ExecutionOutcome = 'ended' | 'waiting' | 'released' | 'lease-lost';

/** Everything one execution's steps share: the run, its fold, its single writer, and the ways it can rest. */
export interface LoopContext {
  run: RunRecord;
  runId: string;
  tenantId: string;
  agent: AgentDefinition;
  model: Model;
  store: Store;
  budget: BudgetGate;
  onSpend: (spend: SettledSpend) => void;
  log: Logger;
  now: () => Date;
  signal: AbortSignal;
  /** Throws RUN_TIMEOUT once the run is past its time limit: checked before starting new work. */
  checkDeadline: () => void;
  /** The run's fold, kept current by `record` and `defer`. */
  state: RunState;
  /** What guardrails are told about the run. */
  guardrailContext: GuardrailContext;
  record: (events: JournalEvent[], patch?: RunPatch) => Promise<void>;
  /**
   * Records a model response whose tool calls may all run before it is durable: it is committed
   * with the next commit, or by `commitHeld` once the next model call is on its way, or within
   * a few milliseconds. Resolves once it is durable.
   */
  hold: (events: JournalEvent[], patch: RunPatch) => Promise<void>;
  /** Commits what `hold` holds back, if anything. */
  commitHeld: () => Promise<void>;
  defer: (events: JournalEvent[], options?: { flushWithinMs?: number }) => void;
  end: (status: 'completed' | 'failed' | 'cancelled', result: { output?: unknown; error?: SerializedError }) => Promise<'ended'>;
  /** Parks the run; `events` and `patch` are committed with its `run-waiting`. */
  park: (reason: WaitingReason, details: Record<string, unknown>, extra?: { events?: JournalEvent[]; patch?: RunPatch }) => Promise<'waiting'>;
  isDraining: () => boolean;
  /** Where tools' declared credentials come from (the vault), if anywhere. */
  credentials: CredentialResolver | undefined;
  /**
   * The credential values this execution has resolved for its tools, by value, with their
   * names: any tool's result or error that echoes one has it redacted, not only the result of
   * the call that asked for it. In memory only, for as long as the execution lasts.
   */
  resolvedSecrets: Map<string, string>;
}
