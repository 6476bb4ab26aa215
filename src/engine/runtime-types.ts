import type { JournalEntry } from '../journal/events.ts';
import type { RunRecord, RunQuery, Store } from '../store/store.ts';
import type { KeelConfig } from '../sdk/define-config.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Model } from '../gateway/model.ts';
import type { OutcomeResolution } from './resolve-outcome.ts';
import type { AgentDefinition } from '../sdk/define-agent.ts';
import type { SettledSpend } from '../cost/settlement.ts';
import type { CommitObserver } from './commits.ts';
import type { Actor } from '../journal/events.ts';
import type { ApprovalRecord, EscalationRecord } from '../store/oversight-store.ts';
import type { ApprovalDecisionInput } from './oversight-decisions.ts';
import type { CredentialResolver } from './credentials.ts';

export interface EngineOptions {
  config: KeelConfig;
  store: Store;
  /** The model an agent's steps call, hardened as it should be (the gateway); asked once per agent. */
  modelFor: (agent: AgentDefinition) => Model;
  logger?: Logger;
  /** Told of every commit this runtime makes to a journal, once it is durable (see `Commit`). */
  onCommit?: CommitObserver;
  /** Told of every settled model call that cost money, with the budgets covering it (spend alerts). */
  onSpend?: (spend: SettledSpend) => void | Promise<unknown>;
  /**
   * Where tools' declared `credentials` come from, at execution time (the vault: `src/keel.ts`
   * wires it from the store and `KEEL_MASTER_KEY`). Without it, a tool that declares
   * credentials fails its calls with `VAULT_NOT_CONFIGURED`.
   */
  credentials?: CredentialResolver;
  /** Identifies this process's leases. Default: a random id. */
  workerId?: string;
  /** How long a lease lasts without a heartbeat. Default 15 s; heartbeats every third of it. */
  leaseMs?: number;
  limits?: {
    /** Largest accepted run input, in UTF-8 bytes. Default 1,000,000. */
    maxInputBytes?: number;
    /** How long `close()` lets steps in flight finish before aborting them. Default 10 s. */
    shutdownGraceMs?: number;
  };
  /** Injectable clock and id source, for deterministic tests. */
  now?: () => Date;
  generateId?: () => string;
  /** Default tenant for runs started without one. Default `default`. */
  tenantId?: string;
}

export interface StartRunInput {
  agent: string;
  input: string;
  sessionId?: string;
  userId?: string;
  tenantId?: string;
  metadata?: Record<string, unknown>;
  idempotencyKey?: string;
  /** The caller's W3C `traceparent`: the run's spans join that trace (an invalid one is ignored). */
  traceparent?: string;
  /** `false`: `sessionId` must name an existing session of the user (`SESSION_NOT_FOUND` otherwise). Default true. */
  createSession?: boolean;
}

export interface WorkerOptions {
  /** Runs executed at once by this process. Default 8. */
  concurrency?: number;
  /** How often to look for runnable runs when idle. Default 250 ms. */
  pollIntervalMs?: number;
  /** Resolve `done` once nothing is runnable and nothing is executing. */
  untilIdle?: boolean;
}

export interface Worker {
  /** Settles when the worker has stopped (after `stop()`, or when idle with `untilIdle`). */
  readonly done: Promise<void>;
  /** Stop claiming, abort in-flight steps at a safe point, release leases. */
  stop(): Promise<void>;
}

export interface Runtime {
  readonly store: Store;
  readonly config: KeelConfig;
  /** Enqueue a run (durably). Any worker sharing the store may execute it. */
  startRun(input: StartRunInput): Promise<{ run: RunRecord; created: boolean }>;
  /**
   * Claim a specific run and execute it in this process until it completes, fails, is
   * cancelled or parks in `waiting`. Returns the run as it then stands.
   */
  executeRun(runId: string, options?: { tenantId?: string }): Promise<RunRecord>;
  /**
   * Start a run and execute it here: `startRun` + `executeRun`, with the run created and claimed
   * in one step. `onStarted` is called with the run once it is stored, before it executes (with
   * its id, to follow its `events` as they happen).
   */
  run(input: StartRunInput, options?: { onStarted?: (run: RunRecord) => void }): Promise<RunRecord>;
  /**
   * Takes back the runs this runtime's worker id held in a previous life of the process (it
   * crashed or was killed): their leases are released at once, so the workers resume them now
   * instead of after the leases expire. Only for a process started under a stable identity
   * (`workerId`), before it starts executing; returns the runs released.
   */
  reclaimOwnLeases(): Promise<string[]>;
  /** Claim and execute runnable runs (queued, and interrupted by a crash) in the background. */
  startWorker(options?: WorkerOptions): Worker;
  /** The journal of a run, following it live until `run-end` (or until `signal` aborts). */
  events(runId: string, options?: { afterSeq?: number; signal?: AbortSignal; tenantId?: string; follow?: boolean }): AsyncIterable<JournalEntry>;
  /** Wait until the run is terminal or waiting. */
  waitForRun(runId: string, options?: { tenantId?: string; signal?: AbortSignal }): Promise<RunRecord>;
  getRun(runId: string, options?: { tenantId?: string }): Promise<RunRecord>;
  listRuns(query?: Partial<RunQuery>): Promise<{ runs: RunRecord[]; nextCursor?: string }>;
  cancelRun(runId: string, options?: { tenantId?: string }): Promise<RunRecord>;
  /**
   * Settles the `unsafe` calls a run is `waiting: outcome-unknown` on, as a person found out:
   * each took effect, failed, or may run again. When all are settled the run is queued again.
   */
  resolveToolOutcome(runId: string, resolutions: OutcomeResolution[], options?: { tenantId?: string; actor?: string }): Promise<RunRecord>;
  /**
   * Decides a pending approval (approve, reject with a reason, or edit its arguments), once:
   * a second or concurrent decision gets `APPROVAL_ALREADY_DECIDED`. See `decideApproval`.
   */
  decideApproval(approvalId: string, decision: ApprovalDecisionInput, options: { tenantId?: string; actor: Actor }): Promise<ApprovalRecord>;
  /** A person's reply in an escalation, to the end user; with `handBack` the agent resumes. */
  replyToEscalation(
    escalationId: string,
    reply: { message: string; handBack?: boolean },
    options: { tenantId?: string; actor: Actor },
  ): Promise<EscalationRecord>;
  /** Closes an escalation: the run ends with the last reply as its answer. */
  resolveEscalation(escalationId: string, resolution: { endSession?: boolean }, options: { tenantId?: string; actor: Actor }): Promise<EscalationRecord>;
  /** Stop workers and executions gracefully, release leases. Does not close the store. */
  close(): Promise<void>;
}
