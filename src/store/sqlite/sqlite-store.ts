import type { DatabaseSync } from 'node:sqlite';
import { KeelError } from '../../errors/index.ts';
import { JOURNAL_SCHEMA_VERSION, type JournalEntry, type JournalEvent } from '../../journal/events.ts';
import { emptyUsage, type ModelMessage } from '../../journal/messages.ts';
import { listRunsParameters, toRunsPage } from '../list-runs-paging.ts';
import { fenceError } from '../run-columns.ts';
import { fencedUpdateValues } from '../append-values.ts';
import {
  assertSameRequest,
  assertStorableRun,
  assertSessionOwner,
  journalReadOptions,
  sessionBusyError,
  storedTraceparent,
  sessionNotFoundError,
} from '../run-rules.ts';
import { runStartEvent } from '../../journal/run-start-event.ts';
import type { AllTenantsRunQuery, ClaimOptions, Fence, Lease, NewRun, RunPatch, RunQuery, RunRecord, SessionRecord, Store } from '../store.ts';
import { createSqliteBudgetStore, recordUsage } from './budgets.ts';
import { createSqliteLimitsStore } from './limits.ts';
import { isSqliteMigrated, migrateSqlite } from './migrate.ts';
import { createSqliteApiKeyStore } from './sqlite-api-key-store.ts';
import { createSqliteAuditStore } from './sqlite-audit-store.ts';
import { createSqliteDashboardSessionStore } from './sqlite-dashboard-session-store.ts';
import { createSqliteCredentialStore } from './sqlite-credential-store.ts';
import { createSqliteModelCacheStore } from './sqlite-model-cache.ts';
import { createSqliteObservabilityStore } from './observability.ts';
import { applyOversightPatch, createSqliteOversightStore } from './oversight.ts';
import { deleteSqliteSession } from './sqlite-session-delete.ts';
import { createTransactionRunner, openDatabase, toStoreError, type SqliteDurability } from './open-database.ts';
import { integer, text, toJournalEntry, toLease, toModelMessages, toRunRecord, toSessionRecord, type Row } from './rows.ts';
import { prepareStatements, type Statements } from './statements.ts';

export type { SqliteDurability } from './open-database.ts';

export interface SqliteStoreOptions {
  /** A file path (created if missing; its directory must exist) or `:memory:`. */
  path: string;
  /** See {@link SqliteDurability}. Defaults to `normal`. */
  durability?: SqliteDurability;
  /** How long a write waits for another process's transaction. Defaults to 5 s. */
  busyTimeoutMs?: number;
  /** Clock for the few writes whose port method carries no `now` (cancel, mark runnable). */
  now?: () => Date;
}

/**
 * The embedded store: one SQLite file through `node:sqlite` (no native addon), in WAL mode.
 * Several processes may share the file (a `keel worker` and a `keel run`): every multi-statement
 * write runs in a `BEGIN IMMEDIATE` transaction, and leases fence the journal.
 *
 * @example
 * const store = createSqliteStore({ path: '.keel/keel.db' });
 * await store.migrate();
 * const { run } = await store.createRun({ id, tenantId, agent: 'support', sessionId, userId, input, sessionPolicy: 'queue', now: new Date() });
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const now = options.now ?? (() => new Date());
  const db = openDatabase({
    path: options.path,
    durability: options.durability ?? 'normal',
    busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
  });
  const transaction = createTransactionRunner(db);
  let prepared: Statements | undefined;

  // Statements need the tables, so they are prepared on first use after `migrate`.
  function statements(): Statements {
    if (prepared !== undefined) return prepared;
    if (!isSqliteMigrated(db)) {
      throw new KeelError({ code: 'STORE_UNAVAILABLE', message: 'The database is not migrated: call store.migrate() first', retryable: false });
    }
    prepared = prepareStatements(db);
    return prepared;
  }

  return {
    dialect: 'sqlite',
    migrate: () => guard(() => migrateSqlite(db, transaction, now())),
    isMigrated: () => guard(() => isSqliteMigrated(db)),
    close: () => guard(() => (db.isOpen ? db.close() : undefined)),

    createRun: (input) =>
      guard(() =>
        transaction(() => {
          const result = createRun(statements(), input);
          const lease = result.created && input.claim !== undefined ? claimRun(statements(), result.run.id, input.claim) : undefined;
          return lease === undefined ? result : { ...result, lease };
        }),
      ),
    getRun: (tenantId, runId) => guard(() => optionalRun(statements().getRun.get(tenantId, runId))),
    listRuns: (query) => guard(() => listRuns(statements(), query)),
    findRunTenant: (runId) =>
      guard(() => {
        const row = statements().findRunTenant.get(runId);
        return row === undefined ? undefined : text(row, 'tenant_id');
      }),
    readJournal: (runId, readOptions) => guard(() => readJournal(statements(), runId, readOptions)),
    append: (fence, events, patch) => guard(() => transaction(() => append(db, statements(), fence, events, patch))),

    claimRunnable: (claim) => guard(() => claimRunnable(statements(), transaction, claim)),
    claimRun: (runId, claim) => guard(() => transaction(() => claimRun(statements(), runId, claim))),
    renewLeases: (owner, leases, renewal) => guard(() => renewLeases(statements(), owner, leases, renewal)),
    countLiveLeases: (at) => guard(() => integer(required(statements().countLiveLeases.get(at.toISOString())), 'count')),
    releaseLease: (runId, epoch) => guard(() => void statements().releaseLease.run(runId, epoch)),
    releaseLeasesOf: (owner) =>
      guard(() =>
        statements()
          .releaseLeasesOf.all(owner)
          .map((row) => text(row, 'id')),
      ),

    requestCancel: (tenantId, runId) =>
      guard(() => {
        const s = statements();
        s.requestCancel.run(now().toISOString(), tenantId, runId);
        return optionalRun(s.getRun.get(tenantId, runId));
      }),
    markRunnable: (tenantId, runId) =>
      guard(() => {
        const s = statements();
        s.markRunnable.run(now().toISOString(), tenantId, runId);
        return optionalRun(s.getRun.get(tenantId, runId));
      }),

    getSession: (tenantId, sessionId) => guard(() => optionalSession(statements().getSession.get(tenantId, sessionId))),
    listSessionMessages: (tenantId, sessionId) => guard(() => statements().listMessages.all(tenantId, sessionId).flatMap(toModelMessages)),
    ...createSqliteLimitsStore(statements, transaction, now),
    deleteSession: (tenantId, sessionId) => guard(() => transaction(() => deleteSqliteSession(db, statements(), tenantId, sessionId, now()))),

    ...createSqliteApiKeyStore(db, () => void statements()),
    ...createSqliteModelCacheStore(db, () => void statements()),
    ...createSqliteBudgetStore(statements, transaction, now),
    ...createSqliteOversightStore(db, () => void statements()),
    ...createSqliteObservabilityStore(db, transaction, () => void statements()),
    ...createSqliteCredentialStore(db, transaction, () => void statements()),
    ...createSqliteAuditStore(db, transaction, () => void statements()),
    ...createSqliteDashboardSessionStore(db, () => void statements()),
  };
}

/** Runs synchronous driver work as the port's promise, with errors mapped to catalogue codes. */
function guard<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}

function createRun(s: Statements, input: NewRun): { run: RunRecord; created: boolean } {
  assertStorableRun(input);
  // Idempotency comes first: a retried request must get its run back even if the session has
  // moved on (busy, say) since the first attempt.
  if (input.idempotencyKey !== undefined) {
    const existing = optionalRun(s.getRunByIdempotencyKey.get(input.tenantId, input.idempotencyKey));
    if (existing !== undefined) {
      return { run: assertSameRequest(existing, input), created: false };
    }
  }

  const at = input.now.toISOString();
  const session = optionalSession(s.getSession.get(input.tenantId, input.sessionId));
  if (session === undefined) {
    if (input.createSession === false) throw sessionNotFoundError(input.sessionId);
    s.insertSession.run(input.tenantId, input.sessionId, input.userId, input.agent, at, at);
  } else {
    assertSessionOwner(session, input);
    if (input.sessionPolicy === 'reject' && s.sessionHasUnfinishedRun.get(input.tenantId, input.sessionId) !== undefined) {
      throw sessionBusyError(input.sessionId);
    }
    s.touchSession.run(at, input.tenantId, input.sessionId);
  }

  const row = s.insertRun.get({
    id: input.id,
    tenant_id: input.tenantId,
    agent: input.agent,
    session_id: input.sessionId,
    user_id: input.userId,
    input: input.input,
    usage: JSON.stringify(emptyUsage),
    metadata: JSON.stringify(input.metadata ?? {}),
    idempotency_key: input.idempotencyKey ?? null,
    traceparent: storedTraceparent(input),
    now: at,
  });
  insertJournalRow(s, input.id, 1, runStartEvent(input), at);
  return { run: toRunRecord(required(row)), created: true };
}

function append(db: DatabaseSync, s: Statements, fence: Fence, events: JournalEvent[], patch: RunPatch = {}): void {
  const at = fence.now.toISOString();
  // Reservations are released by a statement of their own below; SQLite binds booleans as 0 and 1.
  const { release_reservations: _release, set_waiting_reason, set_error, release_lease, ...values } = fencedUpdateValues(fence, events.length, patch);
  // Nothing to set beyond the progress (sequence, usage, cost): a turn's commit, which must not touch indexed columns.
  const progressOnly =
    values.status === null &&
    !set_waiting_reason &&
    values.output === null &&
    !set_error &&
    values.started_at === null &&
    values.ended_at === null &&
    !release_lease;
  const row = progressOnly
    ? s.fencedProgress.get(values.run_id, values.epoch, values.last_seq, values.new_last_seq, values.now, values.usage, values.cost_nano_usd)
    : s.fencedUpdate.get({ ...values, set_waiting_reason: set_waiting_reason ? 1 : 0, set_error: set_error ? 1 : 0, release_lease: release_lease ? 1 : 0 });
  if (row === undefined) throw leaseLost(s, fence);
  if (patch.usageEntry !== undefined) recordUsage(s, row, fence.runId, patch.usageEntry, at);
  if (patch.releaseReservations === true) s.deleteRunReservations.run(fence.runId);
  applyOversightPatch(db, fence.runId, row, patch, at);

  events.forEach((event, index) => insertJournalRow(s, fence.runId, fence.lastSeq + index + 1, event, at));

  const messages = patch.sessionMessages ?? [];
  if (messages.length > 0) appendSessionMessages(s, text(row, 'tenant_id'), text(row, 'session_id'), fence.runId, messages, at);
}

function insertJournalRow(s: Statements, runId: string, seq: number, event: JournalEvent, at: string): void {
  const { type, ...data } = event;
  s.insertJournal.run(runId, seq, type, JOURNAL_SCHEMA_VERSION, at, JSON.stringify(data));
}

function appendSessionMessages(s: Statements, tenantId: string, sessionId: string, runId: string, messages: ModelMessage[], at: string): void {
  s.insertMessages.run(tenantId, sessionId, runId, JSON.stringify(messages), at);
  s.touchSession.run(at, tenantId, sessionId);
}

function leaseLost(s: Statements, fence: Fence): KeelError {
  const current = s.getRunById.get(fence.runId);
  return fenceError(fence, current === undefined ? undefined : { epoch: integer(current, 'lease_epoch'), lastSeq: integer(current, 'last_seq') });
}

function readJournal(s: Statements, runId: string, options?: { afterSeq?: number; limit?: number }): JournalEntry[] {
  const { afterSeq, limit } = journalReadOptions(options);
  // LIMIT -1 is SQLite for "no limit".
  return s.readJournal.all(runId, afterSeq, limit ?? -1).map(toJournalEntry);
}

function listRuns(s: Statements, query: RunQuery | AllTenantsRunQuery): { runs: RunRecord[]; nextCursor?: string } {
  const { parameters, limit, allTenants } = listRunsParameters(query);
  const rows: Row[] = (allTenants ? s.listRunsAllTenants : s.listRuns).all(parameters);
  return toRunsPage(rows, limit, toRunRecord);
}

function claimRunnable(s: Statements, transaction: <T>(work: () => T) => T, claim: ClaimOptions & { limit: number }): Lease[] {
  if (claim.limit < 1) return [];
  // Read first, without the write lock (see `claimableRuns`). None: the answer the claim would
  // give at this instant, without queuing behind other processes' commits. One: nothing to
  // rank, so the capped claim of that run decides exactly as the fair claim would (its cap
  // test is the fair claim's for a queue of one). Runs queued meanwhile are the next claim's.
  const seen: Row[] = s.claimableRuns.all({ now: claim.now.toISOString() });
  if (seen.length === 0) return [];
  if (seen.length === 1) {
    const lease = transaction(() => claimRun(s, text(required(seen[0]), 'id'), claim));
    return lease === undefined ? [] : [lease];
  }
  return transaction(() => fairClaim(s, claim));
}

function fairClaim(s: Statements, claim: ClaimOptions & { limit: number }): Lease[] {
  // One UPDATE picks and leases the runs, inside a write transaction taken before the first
  // read, so two processes can never both see a run as unleased.
  const rows: Row[] = s.claimRunnable.all({ ...leaseParameters(claim), limit: claim.limit });
  // RETURNING gives no order guarantee; hand leases out oldest first.
  rows.sort((a, b) => integer(a, 'creation_order') - integer(b, 'creation_order'));
  return rows.map(toLease);
}

function claimRun(s: Statements, runId: string, claim: ClaimOptions & { includeWaiting?: boolean }): Lease | undefined {
  const row = s.claimRun.get({ ...leaseParameters(claim), run_id: runId, include_waiting: claim.includeWaiting === true ? 1 : 0 });
  return row === undefined ? undefined : toLease(row);
}

function leaseParameters(claim: ClaimOptions): { owner: string; now: string; expires_at: string } {
  return {
    owner: claim.owner,
    now: claim.now.toISOString(),
    expires_at: new Date(claim.now.getTime() + claim.leaseMs).toISOString(),
  };
}

function renewLeases(
  s: Statements,
  owner: string,
  leases: Array<{ runId: string; epoch: number }>,
  renewal: { leaseMs: number; now: Date },
): { lost: string[]; cancelRequested: string[] } {
  if (leases.length === 0) return { lost: [], cancelRequested: [] };
  const held: Row[] = s.renewLeases.all({
    owner,
    expires_at: new Date(renewal.now.getTime() + renewal.leaseMs).toISOString(),
    leases: JSON.stringify(leases.map(({ runId, epoch }) => ({ runId, epoch }))),
  });
  const renewed = new Set(held.map((row) => text(row, 'id')));
  return {
    lost: leases.filter((lease) => !renewed.has(lease.runId)).map((lease) => lease.runId),
    cancelRequested: held.filter((row) => integer(row, 'cancel_requested') === 1).map((row) => text(row, 'id')),
  };
}

function optionalRun(row: Row | undefined): RunRecord | undefined {
  return row === undefined ? undefined : toRunRecord(row);
}

function optionalSession(row: Row | undefined): SessionRecord | undefined {
  return row === undefined ? undefined : toSessionRecord(row);
}

function required(row: Row | undefined): Row {
  if (row === undefined) throw new KeelError({ code: 'INTERNAL', message: 'A write returned no row' });
  return row;
}
