import { KeelError } from '../errors/index.ts';
import type { AlertRecord, FiredAlertInput, SeriesQuery, TimeRange } from './observability-store.ts';

/** The rules of the observability queries, written once for both adapters. */

const defaultAlertPage = 50;
const maxAlertPage = 200;

/** The key an alert rule's firing is recorded under: unique per tenant, kind, subject and time. */
export function firedAlertKey(input: Pick<FiredAlertInput, 'kind' | 'subject' | 'now'>): string {
  return `${input.kind}:${input.subject}:${input.now.toISOString()}`;
}

/** `fireAlert`'s input, checked: a non-negative whole cooldown. */
export function assertFiredAlert(input: FiredAlertInput): void {
  if (!Number.isInteger(input.cooldownMs) || input.cooldownMs < 0) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'cooldownMs must be a non-negative whole number', details: { cooldownMs: input.cooldownMs } });
  }
  if (input.kind === '' || input.subject === '') throw new KeelError({ code: 'INPUT_INVALID', message: 'An alert needs a kind and a subject' });
}

/** A range whose start is not after its end. */
export function assertRange(range: TimeRange): void {
  if (!(range.from.getTime() <= range.to.getTime())) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'from must not be after to', details: { from: range.from, to: range.to } });
  }
}

/** The most buckets one series query may ask for: a week in 15-minute buckets fits. */
export const maxSeriesBuckets = 1_000;

/**
 * A series query, checked (a whole number of seconds per bucket, at least 60, and at most
 * `maxSeriesBuckets` buckets), as the named parameters both adapters bind.
 */
export function seriesParameters(query: SeriesQuery): { tenant_id: string; from: string; to: string; bucket: number } {
  assertRange(query);
  const { bucketSeconds } = query;
  if (!Number.isInteger(bucketSeconds) || bucketSeconds < 60) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'bucketSeconds must be a whole number of seconds, at least 60', details: { bucketSeconds } });
  }
  const buckets = (query.to.getTime() - query.from.getTime()) / (bucketSeconds * 1000);
  if (buckets > maxSeriesBuckets) {
    throw new KeelError({ code: 'INPUT_INVALID', message: `A series may have at most ${maxSeriesBuckets} buckets`, details: { buckets: Math.ceil(buckets) } });
  }
  return { tenant_id: query.tenantId, from: query.from.toISOString(), to: query.to.toISOString(), bucket: bucketSeconds };
}

/** A bucket start as the statements return it (seconds since the epoch) as ISO 8601. */
export function bucketTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** A percentile as the latency query takes it: a whole number from 1 to 100. */
export function assertPercentile(percentile: number): void {
  if (!Number.isInteger(percentile) || percentile < 1 || percentile > 100) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'percentile must be a whole number from 1 to 100', details: { percentile } });
  }
}

/** The page size and keyset position of `listAlerts`; a cursor that does not decode is INPUT_INVALID. */
export function alertPageParameters(query: { limit?: number; cursor?: string }): { limit: number; before: { at: string; key: string } | null } {
  const limit = query.limit ?? defaultAlertPage;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxAlertPage) {
    throw new KeelError({ code: 'INPUT_INVALID', message: `limit must be a whole number from 1 to ${maxAlertPage}`, details: { limit } });
  }
  if (query.cursor === undefined) return { limit, before: null };
  try {
    const decoded = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      typeof decoded[0] === 'string' &&
      typeof decoded[1] === 'string' &&
      !Number.isNaN(Date.parse(decoded[0]))
    ) {
      return { limit, before: { at: decoded[0], key: decoded[1] } };
    }
  } catch {
    // Reported below, like any other undecodable cursor.
  }
  throw new KeelError({ code: 'INPUT_INVALID', message: 'The cursor is not one this endpoint returned', details: { cursor: query.cursor } });
}

/** A page of alerts from `limit + 1` rows, newest first, with the cursor of the next page. */
export function toAlertPage(rows: AlertRecord[], limit: number): { alerts: AlertRecord[]; nextCursor?: string } {
  const alerts = rows.slice(0, limit);
  const last = alerts.at(-1);
  if (rows.length <= limit || last === undefined) return { alerts };
  return { alerts, nextCursor: Buffer.from(JSON.stringify([last.at, last.key]), 'utf8').toString('base64url') };
}
