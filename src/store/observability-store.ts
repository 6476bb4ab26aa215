import type { RunStatus, WaitingReason } from '../journal/events.ts';

/**
 * What metrics and alert rules read from the store: narrow, indexed queries over the runs and
 * the usage ledger (cross-node truths such as queue depth come from here, never from one
 * process's memory), the alert record with its cooldowns, and a small named lease so that one
 * node at a time evaluates the alert rules. Part of the Store port.
 */
export interface ObservabilityStore {
  /**
   * Unfinished runs as they stand, counted per tenant, agent, status and waiting reason (queue
   * depth, runs in flight, runs waiting by reason). Reads only unfinished runs, through the
   * status index: it stays fast however many finished runs the store holds.
   */
  countUnfinishedRuns(): Promise<UnfinishedRunCount[]>;
  /** Runs whose `endedAt` lies in `[from, to)`, counted per tenant, agent and status. */
  countEndedRuns(range: TimeRange): Promise<EndedRunCount[]>;
  /** End users with at least `atLeast` failed runs ending in `[from, to)`, per tenant. */
  countUserFailures(range: TimeRange & { atLeast: number }): Promise<UserFailureCount[]>;
  /**
   * The `percentile` (a whole number, 1–100: nearest rank) of the latency of the model calls the
   * usage ledger recorded in `[from, to)`, per tenant and agent.
   */
  modelLatencyPercentiles(range: TimeRange & { percentile: number }): Promise<LatencyPercentile[]>;
  /**
   * The dashboard's overview: runs of one tenant that ended in `[from, to)`, counted per time
   * bucket (by end time; buckets of `bucketSeconds` aligned on the Unix epoch), agent and ending.
   * Through the `runs_ended` index.
   */
  runSeries(query: SeriesQuery): Promise<RunSeriesPoint[]>;
  /**
   * The dashboard's overview: the model calls of one tenant's usage ledger in `[from, to)` per
   * time bucket, agent and model: their count, p50/p95/p99 latency (nearest rank, as
   * `modelLatencyPercentiles`), cost and tokens. Through the `(tenant_id, at)` index.
   */
  modelCallSeries(query: SeriesQuery): Promise<ModelCallSeriesPoint[]>;
  /** Runs waiting for `reason` since before `before` (by their last update), per tenant: count and oldest. */
  countWaitingSince(query: { reason: WaitingReason; before: Date }): Promise<WaitingSinceCount[]>;

  /**
   * Takes or renews the lease `name` for `owner` until `now + ttlMs`: true when `owner` holds it
   * afterwards (it was free, expired, or already `owner`'s). Atomic across processes.
   */
  acquireNamedLease(input: { name: string; owner: string; ttlMs: number; now: Date }): Promise<boolean>;
  /** Gives the lease up if `owner` holds it. */
  releaseNamedLease(name: string, owner: string): Promise<void>;

  /**
   * Records an alert unless one of the same tenant, kind and subject fired less than
   * `cooldownMs` before `now`: true when this call recorded it (and its sender should deliver
   * it). Atomic across processes: of two nodes firing at once, one wins.
   */
  fireAlert(input: FiredAlertInput): Promise<boolean>;
  /**
   * Recorded alerts of a tenant, and the deployment-wide ones (tenant `*`), newest first: spend
   * alerts and alert rules alike. Keyset paging through `cursor` (the previous page's `nextCursor`).
   */
  listAlerts(query: { tenantId: string; limit?: number; cursor?: string }): Promise<{ alerts: AlertRecord[]; nextCursor?: string }>;
}

export interface TimeRange {
  from: Date;
  to: Date;
}

/** A tenant's figures over time: at most `maxSeriesBuckets` buckets of at least a minute each. */
export interface SeriesQuery extends TimeRange {
  tenantId: string;
  bucketSeconds: number;
}

export interface RunSeriesPoint {
  /** The bucket's start, ISO 8601. */
  bucket: string;
  agent: string;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface ModelCallSeriesPoint {
  /** The bucket's start, ISO 8601. */
  bucket: string;
  agent: string;
  /** `provider:modelId`, as the ledger recorded the call. */
  model: string;
  calls: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  p99LatencyMs: number;
  costNanoUsd: number;
  inputTokens: number;
  outputTokens: number;
}

export interface UnfinishedRunCount {
  tenantId: string;
  agent: string;
  status: Extract<RunStatus, 'queued' | 'running' | 'waiting'>;
  waitingReason: WaitingReason | null;
  count: number;
}

export interface EndedRunCount {
  tenantId: string;
  agent: string;
  status: Extract<RunStatus, 'completed' | 'failed' | 'cancelled'>;
  count: number;
}

export interface UserFailureCount {
  tenantId: string;
  userId: string;
  failures: number;
}

export interface LatencyPercentile {
  tenantId: string;
  agent: string;
  calls: number;
  latencyMs: number;
}

export interface WaitingSinceCount {
  tenantId: string;
  count: number;
  oldestRunId: string;
  /** When the oldest of them last changed (it has waited since then at least). */
  oldestSince: string;
}

export interface FiredAlertInput {
  /** `*` for an alert about the whole deployment (a provider's breaker, say). */
  tenantId: string;
  kind: string;
  /** What the alert is about within its kind (an agent, a user, a model): cooldowns are per subject. */
  subject: string;
  payload: Record<string, unknown>;
  now: Date;
  cooldownMs: number;
}

export interface AlertRecord {
  tenantId: string;
  key: string;
  kind: string;
  payload: Record<string, unknown>;
  at: string;
}

/** The tenant id of alerts that concern every tenant. */
export const deploymentTenant = '*';
