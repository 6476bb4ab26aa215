import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { RunStatus, WaitingReason } from '../../journal/events.ts';
import type { AlertRecord, ObservabilityStore } from '../observability-store.ts';
import {
  alertPageParameters,
  assertFiredAlert,
  assertPercentile,
  assertRange,
  bucketTime,
  firedAlertKey,
  seriesParameters,
  toAlertPage,
} from '../observability-rules.ts';
import { toStoreError } from './open-database.ts';
import { integer, nullableText, text, type Row } from './rows.ts';

export const observabilitySql = {
  // Through runs_claim, so only unfinished runs are read. Named: with statistics SQLite prefers
  // to walk (tenant_id, creation_order) for the GROUP BY, which reads every run ever created.
  countUnfinished: `
    SELECT tenant_id, agent, status, waiting_reason, COUNT(*) AS count FROM runs INDEXED BY runs_claim
    WHERE status IN ('queued', 'running', 'waiting')
    GROUP BY tenant_id, agent, status, waiting_reason`,
  countEnded: `
    SELECT tenant_id, agent, status, COUNT(*) AS count FROM runs
    WHERE ended_at IS NOT NULL AND ended_at >= :from AND ended_at < :to
    GROUP BY tenant_id, agent, status`,
  countUserFailures: `
    SELECT tenant_id, user_id, COUNT(*) AS failures FROM runs
    WHERE ended_at IS NOT NULL AND ended_at >= :from AND ended_at < :to AND status = 'failed'
    GROUP BY tenant_id, user_id HAVING COUNT(*) >= :at_least`,
  // Nearest rank: the smallest value with at least `percentile` % of the calls at or below it.
  // Every tenant's calls in the range, one tenant at a time through usage_tenant_at (migration
  // 14): the tenants are found by skipping from one to the next in that index, a seek each, and
  // CROSS JOIN keeps them the outer loop.
  latencyPercentiles: `
    WITH RECURSIVE tenants (id) AS (
      SELECT MIN(tenant_id) FROM usage
      UNION ALL
      SELECT (SELECT MIN(tenant_id) FROM usage WHERE tenant_id > tenants.id) FROM tenants WHERE tenants.id IS NOT NULL
    )
    SELECT tenant_id, agent, calls, latency_ms FROM (
      SELECT usage.tenant_id, agent, latency_ms,
             ROW_NUMBER() OVER (PARTITION BY usage.tenant_id, agent ORDER BY latency_ms) AS position,
             COUNT(*) OVER (PARTITION BY usage.tenant_id, agent) AS calls
      FROM tenants CROSS JOIN usage INDEXED BY usage_tenant_at
      WHERE usage.tenant_id = tenants.id AND usage.at >= :from AND usage.at < :to)
    WHERE position = MAX(1, (CAST(:percentile AS INTEGER) * calls + 99) / 100)`,
  // Bucketed by end time through runs_tenant_ended (one tenant's ends); a bucket is seconds since the epoch, floored.
  runSeries: `
    SELECT (CAST(strftime('%s', ended_at) AS INTEGER) / CAST(:bucket AS INTEGER)) * CAST(:bucket AS INTEGER) AS bucket_start, agent,
           SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed,
           SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
           SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled
    FROM runs
    WHERE ended_at IS NOT NULL AND ended_at >= :from AND ended_at < :to AND tenant_id = :tenant_id
    GROUP BY bucket_start, agent
    ORDER BY bucket_start, agent`,
  // Per bucket, agent and model: nearest-rank percentiles (the smallest latency at or past the
  // rank, over calls ranked by latency), cost and tokens.
  modelCallSeries: `
    SELECT bucket_start, agent, provider, model_id, calls,
           MIN(CASE WHEN position >= (50 * calls + 99) / 100 THEN latency_ms END) AS p50,
           MIN(CASE WHEN position >= (95 * calls + 99) / 100 THEN latency_ms END) AS p95,
           MIN(CASE WHEN position >= (99 * calls + 99) / 100 THEN latency_ms END) AS p99,
           SUM(cost_nano_usd) AS cost, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens
    FROM (
      SELECT bucket_start, agent, provider, model_id, latency_ms, cost_nano_usd, input_tokens, output_tokens,
             ROW_NUMBER() OVER (PARTITION BY bucket_start, agent, provider, model_id ORDER BY latency_ms) AS position,
             COUNT(*) OVER (PARTITION BY bucket_start, agent, provider, model_id) AS calls
      FROM (
        SELECT (CAST(strftime('%s', at) AS INTEGER) / CAST(:bucket AS INTEGER)) * CAST(:bucket AS INTEGER) AS bucket_start, agent, provider, model_id, latency_ms, cost_nano_usd, input_tokens, output_tokens
        FROM usage WHERE tenant_id = :tenant_id AND at >= :from AND at < :to) AS bucketed) AS ranked
    GROUP BY bucket_start, agent, provider, model_id, calls
    ORDER BY bucket_start, agent, provider, model_id`,
  countWaitingSince: `
    SELECT tenant_id, COUNT(*) AS count, MIN(updated_at) AS oldest_since,
           (SELECT oldest.id FROM runs AS oldest
            WHERE oldest.tenant_id = runs.tenant_id AND oldest.status = 'waiting' AND oldest.waiting_reason = :reason
              AND oldest.updated_at < :before
            ORDER BY oldest.updated_at, oldest.creation_order LIMIT 1) AS oldest_run_id
    FROM runs WHERE status = 'waiting' AND waiting_reason = :reason AND updated_at < :before
    GROUP BY tenant_id`,
  // One conditional upsert: free, expired or already ours, the row ends up ours; else nothing returns.
  acquireLease: `
    INSERT INTO named_leases (name, owner, expires_at) VALUES (:name, :owner, :expires_at)
    ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
    WHERE named_leases.owner = excluded.owner OR named_leases.expires_at <= :now
    RETURNING owner`,
  releaseLease: 'DELETE FROM named_leases WHERE name = ? AND owner = ?',
  claimCooldown: `
    INSERT INTO alert_cooldowns (tenant_id, kind, subject, fired_at) VALUES (:tenant_id, :kind, :subject, :now)
    ON CONFLICT (tenant_id, kind, subject) DO UPDATE SET fired_at = excluded.fired_at
    WHERE alert_cooldowns.fired_at <= :cutoff
    RETURNING fired_at`,
  insertAlert: `
    INSERT INTO alerts (tenant_id, key, kind, payload, at) VALUES (:tenant_id, :key, :kind, :payload, :at)
    ON CONFLICT (tenant_id, key) DO NOTHING`,
  listAlerts: `
    SELECT tenant_id, key, kind, payload, at FROM alerts
    WHERE tenant_id IN (:tenant_id, '*') AND (:before_at IS NULL OR at < :before_at OR (at = :before_at AND key < :before_key))
    ORDER BY at DESC, key DESC LIMIT :limit`,
} as const;

type Statements = Record<keyof typeof observabilitySql, StatementSync>;

/**
 * The SQLite side of {@link ObservabilityStore}, spread into the SQLite store.
 *
 * @example
 * const store = { ...createSqliteObservabilityStore(db, transaction, () => void statements()), ...otherMethods };
 */
export function createSqliteObservabilityStore(db: DatabaseSync, transaction: <T>(work: () => T) => T, ensureMigrated: () => void): ObservabilityStore {
  let prepared: Statements | undefined;
  const statements = (): Statements => {
    if (prepared !== undefined) return prepared;
    ensureMigrated();
    prepared = Object.fromEntries(Object.entries(observabilitySql).map(([name, query]) => [name, db.prepare(query)])) as Statements;
    return prepared;
  };
  return {
    countUnfinishedRuns: () =>
      guard(() =>
        statements()
          .countUnfinished.all()
          .map((row) => ({
            tenantId: text(row, 'tenant_id'),
            agent: text(row, 'agent'),
            status: text(row, 'status') as 'queued' | 'running' | 'waiting',
            waitingReason: nullableText(row, 'waiting_reason') as WaitingReason | null,
            count: integer(row, 'count'),
          })),
      ),
    countEndedRuns: (range) =>
      guard(() => {
        assertRange(range);
        return statements()
          .countEnded.all(rangeValues(range))
          .map((row) => ({
            tenantId: text(row, 'tenant_id'),
            agent: text(row, 'agent'),
            status: text(row, 'status') as Extract<RunStatus, 'completed' | 'failed' | 'cancelled'>,
            count: integer(row, 'count'),
          }));
      }),
    countUserFailures: (query) =>
      guard(() => {
        assertRange(query);
        return statements()
          .countUserFailures.all({ ...rangeValues(query), at_least: Math.max(1, Math.floor(query.atLeast)) })
          .map((row) => ({ tenantId: text(row, 'tenant_id'), userId: text(row, 'user_id'), failures: integer(row, 'failures') }));
      }),
    modelLatencyPercentiles: (query) =>
      guard(() => {
        assertRange(query);
        assertPercentile(query.percentile);
        return statements()
          .latencyPercentiles.all({ ...rangeValues(query), percentile: query.percentile })
          .map((row) => ({ tenantId: text(row, 'tenant_id'), agent: text(row, 'agent'), calls: integer(row, 'calls'), latencyMs: integer(row, 'latency_ms') }));
      }),
    runSeries: (query) =>
      guard(() =>
        statements()
          .runSeries.all(seriesParameters(query))
          .map((row) => ({
            bucket: bucketTime(integer(row, 'bucket_start')),
            agent: text(row, 'agent'),
            completed: integer(row, 'completed'),
            failed: integer(row, 'failed'),
            cancelled: integer(row, 'cancelled'),
          })),
      ),
    modelCallSeries: (query) =>
      guard(() =>
        statements()
          .modelCallSeries.all(seriesParameters(query))
          .map((row) => ({
            bucket: bucketTime(integer(row, 'bucket_start')),
            agent: text(row, 'agent'),
            model: `${text(row, 'provider')}:${text(row, 'model_id')}`,
            calls: integer(row, 'calls'),
            p50LatencyMs: integer(row, 'p50'),
            p95LatencyMs: integer(row, 'p95'),
            p99LatencyMs: integer(row, 'p99'),
            costNanoUsd: integer(row, 'cost'),
            inputTokens: integer(row, 'input_tokens'),
            outputTokens: integer(row, 'output_tokens'),
          })),
      ),
    countWaitingSince: (query) =>
      guard(() =>
        statements()
          .countWaitingSince.all({ reason: query.reason, before: query.before.toISOString() })
          .map((row) => ({
            tenantId: text(row, 'tenant_id'),
            count: integer(row, 'count'),
            oldestRunId: text(row, 'oldest_run_id'),
            oldestSince: text(row, 'oldest_since'),
          })),
      ),
    acquireNamedLease: (input) =>
      guard(() => {
        const row = statements().acquireLease.get({
          name: input.name,
          owner: input.owner,
          expires_at: new Date(input.now.getTime() + input.ttlMs).toISOString(),
          now: input.now.toISOString(),
        });
        return row !== undefined;
      }),
    releaseNamedLease: (name, owner) => guard(() => void statements().releaseLease.run(name, owner)),
    fireAlert: (input) =>
      guard(() => {
        assertFiredAlert(input);
        const s = statements();
        return transaction(() => {
          const at = input.now.toISOString();
          const cutoff = new Date(input.now.getTime() - input.cooldownMs).toISOString();
          const claimed = s.claimCooldown.get({ tenant_id: input.tenantId, kind: input.kind, subject: input.subject, now: at, cutoff });
          if (claimed === undefined) return false;
          s.insertAlert.run({ tenant_id: input.tenantId, key: firedAlertKey(input), kind: input.kind, payload: JSON.stringify(input.payload), at });
          return true;
        });
      }),
    listAlerts: (query) =>
      guard(() => {
        const { limit, before } = alertPageParameters(query);
        const rows = statements().listAlerts.all({
          tenant_id: query.tenantId,
          before_at: before?.at ?? null,
          before_key: before?.key ?? null,
          limit: limit + 1,
        });
        return toAlertPage(rows.map(toAlertRecord), limit);
      }),
  };
}

function rangeValues(range: { from: Date; to: Date }): { from: string; to: string } {
  return { from: range.from.toISOString(), to: range.to.toISOString() };
}

function toAlertRecord(row: Row): AlertRecord {
  return {
    tenantId: text(row, 'tenant_id'),
    key: text(row, 'key'),
    kind: text(row, 'kind'),
    payload: JSON.parse(text(row, 'payload')) as Record<string, unknown>,
    at: text(row, 'at'),
  };
}

function guard<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}
