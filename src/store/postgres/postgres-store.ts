import type { Store } from '../store.ts';
import { appendPostgres } from './append.ts';
import { claimRun, claimRunnable, countLiveLeases, releaseLease, releaseLeasesOf, renewLeases } from './claims.ts';
import { createPostgresBudgetStore } from './budgets.ts';
import { createPostgresLimitsStore } from './limits.ts';
import { isPostgresMigrated, migratePostgres } from './migrate.ts';
import { query } from './named-sql.ts';
import { guard, openPool } from './open-pool.ts';
import { createPostgresApiKeyStore } from './postgres-api-key-store.ts';
import { createPostgresAuditStore } from './postgres-audit-store.ts';
import { createPostgresDashboardSessionStore } from './postgres-dashboard-session-store.ts';
import { createPostgresCredentialStore } from './postgres-credential-store.ts';
import { createPostgresModelCacheStore } from './postgres-model-cache.ts';
import { createPostgresObservabilityStore } from './observability.ts';
import { runSql } from './run-statements.ts';
import { createRun, deleteSession, listRuns, readJournal } from './runs.ts';
import { createPostgresOversightStore } from './oversight.ts';
import { text, toModelMessage, toRunRecord, toSessionRecord } from './rows.ts';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database` (any form `pg` accepts). */
  connectionString: string;
  /** Connections this store may open at most. Defaults to 10. */
  poolSize?: number;
  /**
   * The schema Keel's tables live in (the search_path of every connection), created by
   * `migrate()` if missing. Defaults to the server's search_path (normally `public`).
   */
  schema?: string;
  /** How long to wait for a connection (new, or free in the pool) before failing. Defaults to 10 s. */
  connectionTimeoutMs?: number;
  /** Clock for the few writes whose port method carries no `now` (cancel, mark runnable). */
  now?: () => Date;
}

/**
 * The scale-out store: N stateless nodes over one PostgreSQL, through a `pg` connection pool.
 * Every multi-statement write runs in one transaction on one connection; the fenced append is a
 * single statement (one round trip); claims serialise on an advisory lock, reservations on the
 * rows of the budgets they touch (ADR 0013).
 *
 * @example
 * const store = createPostgresStore({ connectionString: 'postgres://keel@db:5432/keel' });
 * await store.migrate();
 * const { run } = await store.createRun({ id, tenantId, agent: 'support', sessionId, userId, input, sessionPolicy: 'queue', now: new Date() });
 */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  const now = options.now ?? (() => new Date());
  const pool = openPool({
    connectionString: options.connectionString,
    poolSize: options.poolSize ?? 10,
    schema: options.schema,
    connectionTimeoutMs: options.connectionTimeoutMs ?? 10_000,
  });
  let closing: Promise<void> | undefined;

  return {
    dialect: 'postgres',
    migrate: () => guard(() => migratePostgres(pool, { schema: options.schema, now: now() })),
    isMigrated: () => guard(() => isPostgresMigrated(pool)),
    // Concurrent and repeated calls share one shutdown: `pool.end()` throws when called twice.
    close: () => (closing ??= pool.end()),

    createRun: (input) =>
      guard(async () => {
        const result = await createRun(pool, input);
        if (!result.created || input.claim === undefined) return result;
        // Claimed after the run's own transaction, under the claim lock as every claim is. The
        // run exists whatever happens to the claim: a failed one leaves it for the next claim.
        const lease = await claimRun(pool, result.run.id, input.claim).catch(() => undefined);
        return lease === undefined ? result : { ...result, lease };
      }),
    getRun: (tenantId, runId) =>
      guard(async () => {
        const [row] = await query(pool, runSql.getRun, { tenant_id: tenantId, id: runId });
        return row === undefined ? undefined : toRunRecord(row);
      }),
    listRuns: (runQuery) => guard(() => listRuns(pool, runQuery)),
    findRunTenant: (runId) =>
      guard(async () => {
        const [row] = await query(pool, runSql.findRunTenant, { id: runId });
        return row === undefined ? undefined : text(row, 'tenant_id');
      }),
    readJournal: (runId, readOptions) => guard(() => readJournal(pool, runId, readOptions)),
    append: (fence, events, patch) => guard(() => appendPostgres(pool, fence, events, patch)),

    claimRunnable: (claim) => guard(() => claimRunnable(pool, claim)),
    claimRun: (runId, claim) => guard(() => claimRun(pool, runId, claim)),
    renewLeases: (owner, leases, renewal) => guard(() => renewLeases(pool, owner, leases, renewal)),
    countLiveLeases: (at) => guard(() => countLiveLeases(pool, at)),
    releaseLease: (runId, epoch) => guard(() => releaseLease(pool, runId, epoch)),
    releaseLeasesOf: (owner) => guard(() => releaseLeasesOf(pool, owner)),

    requestCancel: (tenantId, runId) =>
      guard(async () => {
        const [row] = await query(pool, runSql.requestCancel, { tenant_id: tenantId, id: runId, now: now().toISOString() });
        return row === undefined ? undefined : toRunRecord(row);
      }),
    markRunnable: (tenantId, runId) =>
      guard(async () => {
        const [row] = await query(pool, runSql.markRunnable, { tenant_id: tenantId, id: runId, now: now().toISOString() });
        return row === undefined ? undefined : toRunRecord(row);
      }),

    getSession: (tenantId, sessionId) =>
      guard(async () => {
        const [row] = await query(pool, runSql.getSession, { tenant_id: tenantId, id: sessionId });
        return row === undefined ? undefined : toSessionRecord(row);
      }),
    listSessionMessages: (tenantId, sessionId) =>
      guard(async () => (await query(pool, runSql.listMessages, { tenant_id: tenantId, session_id: sessionId })).map(toModelMessage)),
    deleteSession: (tenantId, sessionId) => guard(() => deleteSession(pool, tenantId, sessionId, now())),
    ...createPostgresOversightStore(pool),

    ...createPostgresLimitsStore(pool, now),
    ...createPostgresApiKeyStore(pool),
    ...createPostgresModelCacheStore(pool),
    ...createPostgresBudgetStore(pool, now),
    ...createPostgresObservabilityStore(pool),
    ...createPostgresCredentialStore(pool),
    ...createPostgresAuditStore(pool),
    ...createPostgresDashboardSessionStore(pool),
  };
}
