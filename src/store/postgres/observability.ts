import type { Pool } from 'pg';
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
import { execute, namedSql, query, type Row } from './named-sql.ts';
import { guard } from './open-pool.ts';
import { integer, nullableText, text, timestamp } from './rows.ts';

export const observabilitySql = {
  // `status IN (…)` reads the unfinished runs through runs_claim, never the finished ones.
  countUnfinished: namedSql(`
    SELECT tenant_id, agent, status, waiting_reason, COUNT(*)::integer AS count FROM runs
    WHERE status IN ('queued', 'running', 'waiting')
    GROUP BY tenant_id, agent, status, waiting_reason`),
  countEnded: namedSql(`
    SELECT tenant_id, agent, status, COUNT(*)::integer AS count FROM runs
    WHERE ended_at IS NOT NULL AND ended_at >= :from::timestamptz AND ended_at < :to::timestamptz
    GROUP BY tenant_id, agent, status`),
  countUserFailures: namedSql(`
    SELECT tenant_id, user_id, COUNT(*)::integer AS failures FROM runs
    WHERE ended_at IS NOT NULL AND ended_at >= :from::timestamptz AND ended_at < :to::timestamptz AND status = 'failed'
    GROUP BY tenant_id, user_id HAVING COUNT(*) >= :at_least::integer`),
  // Nearest rank, as in the SQLite adapter (percentile_disc would do, but the two must agree exactly).
  latencyPercentiles: namedSql(`
    SELECT tenant_id, agent, calls::integer AS calls, latency_ms FROM (
      SELECT tenant_id, agent, latency_ms,
             ROW_NUMBER() OVER (PARTITION BY tenant_id, agent ORDER BY latency_ms) AS position,
             COUNT(*) OVER (PARTITION BY tenant_id, agent) AS calls
      FROM usage WHERE at >= :from::timestamptz AND at < :to::timestamptz) AS ranked
    WHERE position = GREATEST(1, (:percentile::integer * calls + 99) / 100)`),
  // As in the SQLite adapter: bucketed by end time through runs_tenant_ended, a bucket is epoch seconds, floored.
  runSeries: namedSql(`
    SELECT (floor(extract(epoch FROM ended_at) / :bucket::integer) * :bucket::integer)::bigint AS bucket_start, agent,
           SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END)::integer AS completed,
           SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END)::integer AS failed,
           SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END)::integer AS cancelled
    FROM runs
    WHERE ended_at IS NOT NULL AND ended_at >= :from::timestamptz AND ended_at < :to::timestamptz AND tenant_id = :tenant_id
    GROUP BY bucket_start, agent
    ORDER BY bucket_start, agent`),
  // Nearest-rank percentiles exactly as the SQLite adapter computes them.
  modelCallSeries: namedSql(`
    SELECT bucket_start, agent, provider, model_id, calls::integer AS calls,
           MIN(CASE WHEN position >= (50 * calls + 99) / 100 THEN latency_ms END) AS p50,
           MIN(CASE WHEN position >= (95 * calls + 99) / 100 THEN latency_ms END) AS p95,
           MIN(CASE WHEN position >= (99 * calls + 99) / 100 THEN latency_ms END) AS p99,
           SUM(cost_nano_usd)::bigint AS cost, SUM(input_tokens)::bigint AS input_tokens, SUM(output_tokens)::bigint AS output_tokens
    FROM (
      SELECT bucket_start, agent, provider, model_id, latency_ms, cost_nano_usd, input_tokens, output_tokens,
             ROW_NUMBER() OVER (PARTITION BY bucket_start, agent, provider, model_id ORDER BY latency_ms) AS position,
             COUNT(*) OVER (PARTITION BY bucket_start, agent, provider, model_id) AS calls
      FROM (
        SELECT (floor(extract(epoch FROM at) / :bucket::integer) * :bucket::integer)::bigint AS bucket_start, agent, provider, model_id, latency_ms, cost_nano_usd, input_tokens, output_tokens
        FROM usage WHERE tenant_id = :tenant_id AND at >= :from::timestamptz AND at < :to::timestamptz) AS bucketed) AS ranked
    GROUP BY bucket_start, agent, provider, model_id, calls
    ORDER BY bucket_start, agent, provider, model_id`),
  countWaitingSince: namedSql(`
    SELECT DISTINCT ON (tenant_id) tenant_id, id AS oldest_run_id, updated_at AS oldest_since,
           COUNT(*) OVER (PARTITION BY tenant_id)::integer AS count
    FROM runs WHERE status = 'waiting' AND waiting_reason = :reason AND updated_at < :before::timestamptz
    ORDER BY tenant_id, updated_at, creation_order`),
  acquireLease: namedSql(`
    INSERT INTO named_leases (name, owner, expires_at) VALUES (:name, :owner, :expires_at::timestamptz)
    ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
    WHERE named_leases.owner = excluded.owner OR named_leases.expires_at <= :now::timestamptz
    RETURNING owner`),
  releaseLease: namedSql('DELETE FROM named_leases WHERE name = :name AND owner = :owner'),
  // One statement: the cooldown row is claimed (ON CONFLICT locks it, so of two nodes one wins)
  // and the alert recorded only if the claim returned a row.
  fireAlert: namedSql(`
    WITH claimed AS (
      INSERT INTO alert_cooldowns (tenant_id, kind, subject, fired_at) VALUES (:tenant_id, :kind, :subject, :now::timestamptz)
      ON CONFLICT (tenant_id, kind, subject) DO UPDATE SET fired_at = excluded.fired_at
      WHERE alert_cooldowns.fired_at <= :cutoff::timestamptz
      RETURNING tenant_id)
    INSERT INTO alerts (tenant_id, key, kind, payload, at)
    SELECT tenant_id, :key, :kind, :payload::json, :now::timestamptz FROM claimed
    ON CONFLICT (tenant_id, key) DO NOTHING
    RETURNING 1 AS fired`),
  listAlerts: namedSql(`
    SELECT tenant_id, key, kind, payload, at FROM alerts
    WHERE tenant_id IN (:tenant_id, '*')
      AND (:before_at::timestamptz IS NULL OR at < :before_at::timestamptz OR (at = :before_at::timestamptz AND key < :before_key::text))
    ORDER BY at DESC, key DESC LIMIT :limit::integer`),
} as const;

/**
 * The PostgreSQL side of {@link ObservabilityStore}, spread into the PostgreSQL store.
 *
 * @example
 * const store = { ...createPostgresObservabilityStore(pool), ...otherMethods };
 */
export function createPostgresObservabilityStore(pool: Pool): ObservabilityStore {
  return {
    countUnfinishedRuns: () =>
      guard(async () =>
        (await query(pool, observabilitySql.countUnfinished)).map((row) => ({
          tenantId: text(row, 'tenant_id'),
          agent: text(row, 'agent'),
          status: text(row, 'status') as 'queued' | 'running' | 'waiting',
          waitingReason: nullableText(row, 'waiting_reason') as WaitingReason | null,
          count: integer(row, 'count'),
        })),
      ),
    countEndedRuns: (range) =>
      guard(async () => {
        assertRange(range);
        return (await query(pool, observabilitySql.countEnded, rangeValues(range))).map((row) => ({
          tenantId: text(row, 'tenant_id'),
          agent: text(row, 'agent'),
          status: text(row, 'status') as Extract<RunStatus, 'completed' | 'failed' | 'cancelled'>,
          count: integer(row, 'count'),
        }));
      }),
    countUserFailures: (failures) =>
      guard(async () => {
        assertRange(failures);
        const rows = await query(pool, observabilitySql.countUserFailures, { ...rangeValues(failures), at_least: Math.max(1, Math.floor(failures.atLeast)) });
        return rows.map((row) => ({ tenantId: text(row, 'tenant_id'), userId: text(row, 'user_id'), failures: integer(row, 'failures') }));
      }),
    modelLatencyPercentiles: (latency) =>
      guard(async () => {
        assertRange(latency);
        assertPercentile(latency.percentile);
        const rows = await query(pool, observabilitySql.latencyPercentiles, { ...rangeValues(latency), percentile: latency.percentile });
        return rows.map((row) => ({
          tenantId: text(row, 'tenant_id'),
          agent: text(row, 'agent'),
          calls: integer(row, 'calls'),
          latencyMs: integer(row, 'latency_ms'),
        }));
      }),
    runSeries: (series) =>
      guard(async () =>
        (await query(pool, observabilitySql.runSeries, seriesParameters(series))).map((row) => ({
          bucket: bucketTime(integer(row, 'bucket_start')),
          agent: text(row, 'agent'),
          completed: integer(row, 'completed'),
          failed: integer(row, 'failed'),
          cancelled: integer(row, 'cancelled'),
        })),
      ),
    modelCallSeries: (series) =>
      guard(async () =>
        (await query(pool, observabilitySql.modelCallSeries, seriesParameters(series))).map((row) => ({
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
    countWaitingSince: (waiting) =>
      guard(async () => {
        const rows = await query(pool, observabilitySql.countWaitingSince, { reason: waiting.reason, before: waiting.before.toISOString() });
        return rows.map((row) => ({
          tenantId: text(row, 'tenant_id'),
          count: integer(row, 'count'),
          oldestRunId: text(row, 'oldest_run_id'),
          oldestSince: timestamp(row, 'oldest_since'),
        }));
      }),
    acquireNamedLease: (lease) =>
      guard(async () => {
        const rows = await query(pool, observabilitySql.acquireLease, {
          name: lease.name,
          owner: lease.owner,
          expires_at: new Date(lease.now.getTime() + lease.ttlMs).toISOString(),
          now: lease.now.toISOString(),
        });
        return rows.length > 0;
      }),
    releaseNamedLease: (name, owner) =>
      guard(async () => {
        await execute(pool, observabilitySql.releaseLease, { name, owner });
      }),
    fireAlert: (alert) =>
      guard(async () => {
        assertFiredAlert(alert);
        const rows = await query(pool, observabilitySql.fireAlert, {
          tenant_id: alert.tenantId,
          kind: alert.kind,
          subject: alert.subject,
          key: firedAlertKey(alert),
          payload: JSON.stringify(alert.payload),
          now: alert.now.toISOString(),
          cutoff: new Date(alert.now.getTime() - alert.cooldownMs).toISOString(),
        });
        return rows.length > 0;
      }),
    listAlerts: (alertQuery) =>
      guard(async () => {
        const { limit, before } = alertPageParameters(alertQuery);
        const rows = await query(pool, observabilitySql.listAlerts, {
          tenant_id: alertQuery.tenantId,
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
    // json comes back parsed.
    payload: row.payload as Record<string, unknown>,
    at: timestamp(row, 'at'),
  };
}
