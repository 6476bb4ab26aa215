import { KeelError } from '../errors/index.ts';
import type { RunQuery } from './store.ts';

/** Paging rules `listRuns` shares across adapters, so cursors mean the same on every backend. */
export const defaultListLimit = 50;
export const maxListLimit = 200;

/** Clamps a requested page size into 1..maxListLimit; absent means the default. */
export function resolveListLimit(limit: number | undefined): number {
  if (limit === undefined) return defaultListLimit;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'limit must be a positive integer', details: { limit } });
  }
  return Math.min(limit, maxListLimit);
}

/**
 * A cursor names the creation order of the last run on the previous page; the next page holds
 * older runs only (keyset paging: stable under inserts, no OFFSET scans). It is base64url so
 * callers treat it as opaque and the encoding can change without breaking anyone.
 */
export function encodeRunCursor(creationOrder: number): string {
  return Buffer.from(`r${creationOrder}`).toString('base64url');
}

export function decodeRunCursor(cursor: string): number {
  const match = /^r(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (match?.[1] === undefined) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'cursor is not one this server produced' });
  }
  return Number(match[1]);
}

/**
 * The named parameters of an adapter's `listRuns` statement, and the page size: the statement
 * fetches one row more than the page, which says whether another page exists.
 */
export function listRunsParameters(query: RunQuery): { parameters: Record<string, string | number | null>; limit: number } {
  const limit = resolveListLimit(query.limit);
  return {
    limit,
    parameters: {
      tenant_id: query.tenantId,
      before: query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeRunCursor(query.cursor),
      status: query.status ?? null,
      agent: query.agent ?? null,
      user_id: query.userId ?? null,
      session_id: query.sessionId ?? null,
      limit: limit + 1,
    },
  };
}

/** Turns the rows a `listRuns` statement returned (page size + 1 at most) into a page. */
export function toRunsPage<Row, Run>(
  rows: Row[],
  limit: number,
  toRun: (row: Row) => Run,
  creationOrder: (row: Row) => number,
): { runs: Run[]; nextCursor?: string } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const runs = page.map(toRun);
  if (rows.length <= limit || last === undefined) return { runs };
  return { runs, nextCursor: encodeRunCursor(creationOrder(last)) };
}
