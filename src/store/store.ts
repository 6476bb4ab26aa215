import type { SerializedError } from '../errors/index.ts';
import type { JournalEntry, JournalEvent, RunStatus, SessionPolicy, WaitingReason } from '../journal/events.ts';
import type { ModelMessage, ModelUsage } from '../journal/messages.ts';
import type { ApiKeyStore } from './api-key-store.ts';
import type { AuditStore } from './audit-store.ts';
import type { BudgetStore, UsageEntry } from './budget-store.ts';
import type { CredentialStore } from './credential-store.ts';
import type { DashboardSessionStore } from './dashboard-session-store.ts';
import type { LimitsStore } from './limits-store.ts';
import type { ModelCacheStore } from './model-cache-store.ts';
import type { ObservabilityStore } from './observability-store.ts';
import type { ApprovalDecisionRecord, NewApproval, NewEscalation, OversightStore } from './oversight-store.ts';

/**
 * The Store port: everything the engine needs from a database, and nothing more. Adapters live
 * in `sqlite/` and `postgres/`; both pass the one contract suite in `store-contract.ts`.
 *
 * Every read that an outside caller can reach is tenant-scoped: a run of another tenant is
 * simply not found. Writes to a run's journal are fenced by its lease epoch.
 */
export interface Store
  extends ApiKeyStore, LimitsStore, BudgetStore, ModelCacheStore, OversightStore, ObservabilityStore, CredentialStore, AuditStore, DashboardSessionStore {
  readonly dialect: 'sqlite' | 'postgres';

  /** Applies pending migrations. Idempotent; safe to call from many processes at once. */
  migrate(): Promise<void>;
  /** Whether every known migration has been applied (for readiness checks). */
  isMigrated(): Promise<boolean>;
  close(): Promise<void>;

  /**
   * Creates a run and its `run-start` event (seq 1) atomically. With an idempotency key, a second
   * call for the same tenant and key returns the first run and `created: false`.
   * When the session already has an unfinished run and `sessionPolicy` is `reject`, throws
   * `SESSION_BUSY`; with `queue` the new run waits behind it. A session that does not exist yet
   * is created with the run, unless `createSession` is false: then `SESSION_NOT_FOUND`, and
   * nothing is written. With `claim`, a run just created is also claimed for the caller, as
   * `claimRun` would claim it (so not when it queues behind an older run of its session, or its
   * tenant is at its cap), and its `lease` returned: on SQLite in the same transaction. A claim
   * that fails (PostgreSQL) leaves the run created, without a lease.
   */
  createRun(input: NewRun): Promise<{ run: RunRecord; created: boolean; lease?: Lease }>;
  getRun(tenantId: string, runId: string): Promise<RunRecord | undefined>;
  /**
   * Runs newest first (by creation, never by a timestamp that can tie), in pages. A query names
   * one tenant; only an operator's query names every tenant (`AllTenantsRunQuery`, for
   * `keel runs ls --all-tenants`). A query that names a tenant is scoped to it, whatever else it says.
   */
  listRuns(query: RunQuery | AllTenantsRunQuery): Promise<{ runs: RunRecord[]; nextCursor?: string }>;
  /**
   * The tenant a run belongs to, found by the run's id alone. For operator tools only (`keel runs
   * show --all-tenants`): nothing an API caller sends may reach it, since it crosses tenants.
   */
  findRunTenant(runId: string): Promise<string | undefined>;

  /** Journal entries with `seq > afterSeq`, in order. */
  readJournal(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<JournalEntry[]>;

  /**
   * Appends entries numbered `fence.lastSeq + 1 …` and applies `patch` to the run, in one
   * transaction, only if the run's lease epoch still equals `fence.epoch` and its last sequence
   * number equals `fence.lastSeq`. Otherwise throws `LEASE_LOST` and writes nothing.
   */
  append(fence: Fence, events: JournalEvent[], patch?: RunPatch): Promise<void>;

  /**
   * Claims up to `limit` runnable runs: status `queued` or `running` (or `waiting` with a
   * cancellation requested, so the claimant can end it) with no live lease, and no older
   * unfinished run ahead of them in their session. Each claim bumps the lease epoch.
   *
   * Fair: tenants, and users within a tenant, take turns, the ones with the fewest runs
   * executing (live leases) first, so one user's burst cannot starve the others. Capped: a
   * tenant never gets more runs executing than its `maxConcurrentRuns` (runs whose cancellation
   * was requested are exempt, so cancelling always goes through).
   */
  claimRunnable(options: ClaimOptions & { limit: number }): Promise<Lease[]>;
  /**
   * Claims one specific run if it is unfinished, not leased by a live owner, not queued behind
   * an older unfinished run of its session, and its tenant is below its concurrency cap (or the
   * run's cancellation was requested).
   */
  claimRun(runId: string, options: ClaimOptions & { includeWaiting?: boolean }): Promise<Lease | undefined>;
  /**
   * Extends the leases this owner still holds. Reports the ones it lost (epoch moved on) and the
   * ones whose cancellation was requested, so the owner can stop working on them.
   */
  renewLeases(
    owner: string,
    leases: Array<{ runId: string; epoch: number }>,
    options: { leaseMs: number; now: Date },
  ): Promise<{ lost: string[]; cancelRequested: string[] }>;
  /**
   * Runs `claimRunnable` would take but for a lease still live at `now`: work that some
   * process holds, or held before it died. `keel worker --until-idle` waits for these to expire.
   */
  countLiveLeases(now: Date): Promise<number>;
  /** Gives a lease up (the run stays as it is, claimable by anyone). No-op if already lost. */
  releaseLease(runId: string, epoch: number): Promise<void>;
  /**
   * Gives up every lease `owner` holds, live or expired, and returns the runs. For a process
   * starting under a stable identity (`keel dev`, a `keel start` node with `KEEL_NODE_ID`): the
   * runs its previous life held resume at once instead of after their leases expire. Other
   * owners' leases are untouched; fencing keeps it safe even if a process with the same identity
   * were still alive (its next append fails with `LEASE_LOST` once the run is claimed again).
   */
  releaseLeasesOf(owner: string): Promise<string[]>;

  /** Marks a run for cancellation; the lease holder (or the next claimant) acts on it. */
  requestCancel(tenantId: string, runId: string): Promise<RunRecord | undefined>;
  /** Moves a `waiting` run back to `queued` so any worker can resume it. */
  markRunnable(tenantId: string, runId: string): Promise<RunRecord | undefined>;

  getSession(tenantId: string, sessionId: string): Promise<SessionRecord | undefined>;
  /** The conversation so far: messages of the session's completed runs, oldest first. */
  listSessionMessages(tenantId: string, sessionId: string): Promise<ModelMessage[]>;
  /**
   * Deletes a session and erases its conversation everywhere it is stored: its messages, its
   * runs' inputs, outputs and error messages, the content of their journals (texts, tool
   * arguments and results, waiting details: see `erase-content.ts`), and the cached model answers
   * they produced. What audit and billing need stays, without content: the runs with their ids,
   * statuses, timings, usage and cost (`erasedAt` set), their journals' event types, steps, tool
   * names, models and codes, the usage ledger. The session is then not found; a new run under
   * its id starts a new session. False when the session does not exist; throws `SESSION_BUSY`
   * while the session has an unfinished run, which would write messages back.
   */
  deleteSession(tenantId: string, sessionId: string): Promise<boolean>;
}

export interface NewRun {
  id: string;
  tenantId: string;
  agent: string;
  sessionId: string;
  userId: string;
  input: string;
  metadata?: Record<string, unknown>;
  idempotencyKey?: string;
  sessionPolicy: SessionPolicy;
  /**
   * The W3C `traceparent` of the request that started the run: its spans join that trace. An
   * invalid value is ignored (stored as none), as the W3C spec asks.
   */
  traceparent?: string;
  /**
   * Create the session if it does not exist (the default). `false`: the session must exist
   * already — a mistyped id is `SESSION_NOT_FOUND` rather than the start of a new conversation.
   */
  createSession?: boolean;
  /** Claim the run for this owner once created (see `Store.createRun`): the caller executes it at once. */
  claim?: ClaimOptions;
  now: Date;
}

export interface RunRecord {
  id: string;
  tenantId: string;
  agent: string;
  sessionId: string;
  userId: string;
  status: RunStatus;
  waitingReason: WaitingReason | null;
  input: string;
  output: unknown;
  error: SerializedError | null;
  usage: ModelUsage;
  /** What the run's model calls cost, in USD (exact sum of the ledger's nanodollars). */
  costUsd: number;
  metadata: Record<string, unknown>;
  idempotencyKey: string | null;
  /** The run's trace: the caller's (from `traceparent`), else derived from the run id. */
  traceId: string;
  /** The W3C trace context the run was started in, normalised; null when none was given. */
  traceparent: string | null;
  cancelRequested: boolean;
  lastSeq: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** When the run's content was erased with its session (`deleteSession`): input, output and journal content are blank. */
  erasedAt: string | null;
}

/** One tenant's runs: what every caller but the operator's CLI lists. */
export interface RunQuery extends RunFilters {
  tenantId: string;
}

/** Every tenant's runs, for the operator. The HTTP API never builds one. */
export interface AllTenantsRunQuery extends RunFilters {
  allTenants: true;
}

/** What a listing of runs may be narrowed by, in one tenant or across all. */
export interface RunFilters {
  status?: RunStatus;
  agent?: string;
  userId?: string;
  sessionId?: string;
  /** Only runs created at or after this time. */
  createdAfter?: Date;
  /** Only runs created before this time. */
  createdBefore?: Date;
  limit?: number;
  /** Opaque cursor from a previous page. Pages go newest first. */
  cursor?: string;
}

/** What a lease holder must present to write a run's journal. */
export interface Fence {
  runId: string;
  epoch: number;
  lastSeq: number;
  now: Date;
}

/** Fields of the run row that move with an append. `undefined` leaves a field unchanged. */
export interface RunPatch {
  status?: RunStatus;
  waitingReason?: WaitingReason | null;
  output?: unknown;
  error?: SerializedError | null;
  usage?: ModelUsage;
  startedAt?: Date;
  endedAt?: Date;
  /** Messages this run adds to its session's history (written with its `run-end`). */
  sessionMessages?: ModelMessage[];
  /** The run's total cost so far, in nanodollars. */
  costNanoUsd?: number;
  /** A model call to record in the usage ledger (and the reservation it settles), atomically with its `model-response`. */
  usageEntry?: UsageEntry;
  /**
   * Drop the run's outstanding budget reservations, in the same fenced transaction: a run that
   * parks or ends settles nothing more, and a stale writer cannot touch the new owner's.
   */
  releaseReservations?: boolean;
  /**
   * Let go of the lease in the same fenced transaction (owner and expiry cleared, the epoch kept):
   * for the commit that ends or parks the run, after which this execution writes nothing more.
   * It saves the separate `releaseLease` the execution would make next.
   */
  releaseLease?: boolean;
  /** Approval requests to list in the inbox, committed with their `approval-request` events. */
  approvalRequests?: NewApproval[];
  /**
   * Decisions on approvals, committed with their `approval-decision` events. Each approval must
   * still be pending, or the whole append writes nothing and fails with
   * `APPROVAL_ALREADY_DECIDED`: a decision is accepted once, across processes and nodes.
   */
  approvalDecisions?: ApprovalDecisionRecord[];
  /** An escalation to list, committed with its `escalation-open` event. */
  escalationOpened?: NewEscalation;
  /** A new status for an escalation of the run (handed back or resolved), committed with its event. */
  escalationStatus?: { id: string; status: 'handed-back' | 'resolved' | 'open' };
}

export interface ClaimOptions {
  owner: string;
  leaseMs: number;
  now: Date;
}

export interface Lease {
  runId: string;
  owner: string;
  epoch: number;
  expiresAt: Date;
  run: RunRecord;
}

export interface SessionRecord {
  id: string;
  tenantId: string;
  userId: string;
  agent: string;
  createdAt: string;
  updatedAt: string;
}
