import { KeelError } from '../errors/index.ts';
import type { AllTenantsRunQuery, RunQuery } from './store.ts';

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
 * A cursor names the last run of the previous page; the next page holds the runs created before
 * it in the same tenant (keyset paging on `creation_order`: stable under inserts, no OFFSET
 * scans). It carries only that run's id — an id the caller has already seen — so it reveals
 * nothing of other tenants (a creation order would tell how many runs every tenant made). A
 * cursor naming a run the tenant does not have yields an empty page. base64url, so callers
 * treat it as opaque.
 */
export function encodeRunCursor(runId: string): string {
  return Buffer.from(`i${runId}`).toString('base64url');
}

export function decodeRunCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString();
  if (!/^i[\x21-\x7e]{1,200}$/.test(decoded)) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'cursor is not one this server produced' });
  }
  return decoded.slice(1);
}

/**
 * The named parameters of an adapter's `listRuns` statement, and the page size: the statement
 * fetches one row more than the page, which says whether another page exists. `allTenants` says
 * which statement to run: the one-tenant one (whose parameters hold `tenant_id`) or the
 * operator's all-tenants one (whose parameters do not; its cursor may name any tenant's run). A
 * query naming a tenant is scoped to it even if it also says `allTenants`, so a tenant id put in
 * by a caller always wins.
 */
export function listRunsParameters(query: RunQuery | AllTenantsRunQuery): {
  parameters: Record<string, string | number | null>;
  limit: number;
  allTenants: boolean;
} {
  const tenantId = 'tenantId' in query ? query.tenantId : undefined;
  const allTenants = tenantId === undefined;
  if (allTenants && (query as Partial<AllTenantsRunQuery>).allTenants !== true) {
    throw new KeelError({ code: 'INTERNAL', message: 'A run listing names a tenant, or asks for all tenants explicitly' });
  }
  const limit = resolveListLimit(query.limit);
  return {
    limit,
    allTenants,
    parameters: {
      ...(tenantId === undefined ? {} : { tenant_id: tenantId }),
      after_run: query.cursor === undefined ? null : decodeRunCursor(query.cursor),
      status: query.status ?? null,
      agent: query.agent ?? null,
      user_id: query.userId ?? null,
      session_id: query.sessionId ?? null,
      created_after: query.createdAfter?.toISOString() ?? null,
      created_before: query.createdBefore?.toISOString() ?? null,
      limit: limit + 1,
    },
  };
}

/** Turns the rows a `listRuns` statement returned (page size + 1 at most) into a page. */
export function toRunsPage<Row, Run>(rows: Row[], limit: number, toRun: (row: Row) => Run & { id: string }): { runs: Run[]; nextCursor?: string } {
  const runs = rows.slice(0, limit).map(toRun);
  const last = runs.at(-1);
  if (rows.length <= limit || last === undefined) return { runs };
  return { runs, nextCursor: encodeRunCursor(last.id) };
}
