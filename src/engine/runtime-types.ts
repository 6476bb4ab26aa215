import type { JournalEntry } from '../journal/events.ts';
import type { RunRecord, RunQuery, Store } from '../store/store.ts';
import type { KeelConfig } from '../sdk/define-config.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Model } from '../gateway/model.ts';
import type { ModelReference } from '../gateway/model-choice.ts';
import type { BreakerOptions } from '../gateway/breaker/circuit-breaker.ts';
import type { RetryOptions } from '../gateway/retry.ts';
import type { OutcomeResolution } from './resolve-outcome.ts';

export interface RuntimeOptions {
  config: KeelConfig;
  store: Store;
  logger?: Logger;
  /**
   * Resolves a model reference (an agent's model, fallbacks, routing model) to a bare model; the
   * gateway adds retries, breakers, timeouts, fallbacks, routing and caching around it.
   * Default: `resolveModel` with the config's providers and process.env.
   */
  resolveModel?: (reference: ModelReference) => Model;
  /** Retry and circuit-breaker settings of the model gateway (defaults: see `createGateway`). */
  gateway?: { retry?: RetryOptions; breaker?: BreakerOptions };
  /** Identifies this process's leases. Default: hostname + pid + random suffix. */
  workerId?: string;
  /** How long a lease lasts without a heartbeat. Default 15 s; heartbeats every third of it. */
  leaseMs?: number;
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
  /** Start a run and execute it here: `startRun` + `executeRun`. */
  run(input: StartRunInput): Promise<RunRecord>;
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
  /** Stop workers and executions gracefully, release leases. Does not close the store. */
  close(): Promise<void>;
}
