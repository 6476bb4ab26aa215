import { KeelError } from '../errors/index.ts';

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
