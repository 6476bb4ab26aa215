import type { Pool } from 'pg';
import { assertAuditLimit, assertContinuesHead, headForBuild } from '../audit-rules.ts';
import type { AuditLink, AuditRecord, AuditRow, AuditStore } from '../audit-store.ts';
import { namedSql, query, queryOne, type Row } from './named-sql.ts';
import { guard, inTransaction } from './open-pool.ts';
import { integer, nullableText, nullableTimestamp, text } from './rows.ts';

const columns = 'id, seq, time, tenant_id, actor_kind, actor_id, actor_name, action, subject, details, prev_hash, hash';

const auditSql = {
  // The row lock on the head is what makes one chain: every append, on every node, queues here
  // until the one before it commits, and then reads the head that one wrote.
  lockHead: namedSql('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE'),
  head: namedSql('SELECT seq, hash, checkpoint_seq, checkpoint_hash, checkpoint_at FROM audit_head WHERE id = 1'),
  // A batch of entries and the new head in one statement (one round trip). Under the head lock,
  // MAX(id) + position is free and keeps ids in writing order, whatever ids an intruder chose.
  // The data-modifying CTE runs whether or not the UPDATE reads it.
  insert: namedSql(`
    WITH base AS (SELECT COALESCE(MAX(id), 0) AS id FROM audit_log),
    batch AS (
      SELECT * FROM unnest(:seqs::bigint[], :times::text[], :tenants::text[], :actor_kinds::text[], :actor_ids::text[], :actor_names::text[],
                           :actions::text[], :subjects::text[], :details::text[], :prev_hashes::text[], :hashes::text[])
        WITH ORDINALITY AS entry(seq, time, tenant_id, actor_kind, actor_id, actor_name, action, subject, details, prev_hash, hash, position)),
    inserted AS (
      INSERT INTO audit_log (id, seq, time, tenant_id, actor_kind, actor_id, actor_name, action, subject, details, prev_hash, hash)
      SELECT base.id + batch.position, batch.seq, batch.time, batch.tenant_id, batch.actor_kind, batch.actor_id, batch.actor_name,
             batch.action, batch.subject, batch.details, batch.prev_hash, batch.hash
      FROM batch, base)
    UPDATE audit_head SET seq = :head_seq::bigint, hash = :head_hash WHERE id = 1`),
  read: namedSql(`
    SELECT ${columns} FROM audit_log
    WHERE (seq, id) > (:after_seq::bigint, :after_id::bigint)
      AND (:tenant_id::text IS NULL OR tenant_id = :tenant_id::text)
      AND (:from::text IS NULL OR time >= :from::text)
      AND (:to::text IS NULL OR time < :to::text)
      AND (:actor_id::text IS NULL OR actor_id = :actor_id::text)
      AND (:action::text IS NULL OR action = :action::text)
    ORDER BY seq, id LIMIT :limit::integer`),
  lastThrough: namedSql('SELECT seq, hash FROM audit_log WHERE seq <= :seq::bigint ORDER BY seq DESC, id DESC LIMIT 1'),
  deleteThrough: namedSql('DELETE FROM audit_log WHERE seq <= :seq::bigint'),
  checkpoint: namedSql('UPDATE audit_head SET checkpoint_seq = :seq::bigint, checkpoint_hash = :hash, checkpoint_at = :at::timestamptz WHERE id = 1'),
} as const;

/**
 * The PostgreSQL side of {@link AuditStore}, spread into the PostgreSQL store. An append locks
 * the one head row (`SELECT … FOR UPDATE`), builds the entry from it, and writes the entry and
 * the new head in one statement: four round trips, one chain across every node (ADR 0019).
 * Appends made while one is in flight share the next transaction.
 *
 * @example
 * const store = { ...createPostgresAuditStore(pool), ...otherMethods };
 */
export function createPostgresAuditStore(pool: Pool): AuditStore {
  let pending: PendingAppend[] = [];
  let draining = false;

  /*
   * Appends that arrive while one is committing wait and go together in the next transaction:
   * the head lock serialises every append of every node, so a commit (and its WAL flush) per
   * entry would cap the whole deployment at one entry per commit. Batched, each process
   * commits many at once. Entries are built in arrival order, each from the one before; a
   * build that throws fails alone.
   */
  async function drain(): Promise<void> {
    draining = true;
    try {
      while (pending.length > 0) {
        const batch = pending.slice(0, maxBatch);
        pending = pending.slice(maxBatch);
        let built: { item: PendingAppend; entry: AuditRecord }[] = [];
        try {
          built = await inTransaction(pool, async (client) => {
            const row = await queryOne(client, auditSql.lockHead);
            let head = { seq: integer(row, 'seq'), hash: text(row, 'hash') };
            const entries: { item: PendingAppend; entry: AuditRecord }[] = [];
            for (const item of batch) {
              try {
                const entry = item.build(headForBuild(head));
                assertContinuesHead(entry, head);
                entries.push({ item, entry });
                head = { seq: entry.seq, hash: entry.hash };
              } catch (error) {
                item.reject(error);
              }
            }
            if (entries.length > 0)
              await query(
                client,
                auditSql.insert,
                batchValues(
                  entries.map(({ entry }) => entry),
                  head,
                ),
              );
            return entries;
          });
        } catch (error) {
          for (const { item } of built.length > 0 ? built : batch.map((item) => ({ item }))) item.reject(error);
          continue;
        }
        for (const { item, entry } of built) item.resolve(entry);
      }
    } finally {
      draining = false;
    }
  }

  return {
    appendAudit: (build) =>
      new Promise<AuditRecord>((resolve, reject) => {
        pending.push({ build, resolve, reject });
        if (!draining) void drain();
      }),
    readAudit: (auditQuery) =>
      guard(async () => {
        assertAuditLimit(auditQuery.limit);
        const rows = await query(pool, auditSql.read, {
          after_seq: auditQuery.after?.seq ?? -1,
          after_id: auditQuery.after?.id ?? -1,
          tenant_id: auditQuery.tenantId ?? null,
          from: auditQuery.from ?? null,
          to: auditQuery.to ?? null,
          actor_id: auditQuery.actorId ?? null,
          action: auditQuery.action ?? null,
          limit: auditQuery.limit,
        });
        return rows.map(toAuditRow);
      }),
    auditHead: () =>
      guard(async () => {
        const row = await queryOne(pool, auditSql.head);
        return {
          head: { seq: integer(row, 'seq'), hash: text(row, 'hash') },
          checkpoint: { seq: integer(row, 'checkpoint_seq'), hash: text(row, 'checkpoint_hash'), at: nullableTimestamp(row, 'checkpoint_at') },
        };
      }),
    pruneAudit: (input) =>
      inTransaction(pool, async (client) => {
        // The head lock keeps an append from landing between the read and the delete.
        await query(client, auditSql.lockHead);
        const headRow = await queryOne(client, auditSql.head);
        const current: AuditLink = { seq: integer(headRow, 'checkpoint_seq'), hash: text(headRow, 'checkpoint_hash') };
        const [last] = await query(client, auditSql.lastThrough, { seq: input.throughSeq });
        if (last === undefined) return { pruned: 0, checkpoint: current };
        const checkpoint = { seq: integer(last, 'seq'), hash: text(last, 'hash') };
        const deleted = await client.query({ text: auditSql.deleteThrough.text, values: [input.throughSeq] });
        await query(client, auditSql.checkpoint, { ...checkpoint, at: input.now.toISOString() });
        return { pruned: deleted.rowCount ?? 0, checkpoint };
      }),
  };
}

interface PendingAppend {
  build: (head: AuditLink | undefined) => AuditRecord;
  resolve: (entry: AuditRecord) => void;
  reject: (error: unknown) => void;
}

/** Entries per transaction at most: bounds the statement and the time the head stays locked. */
const maxBatch = 200;

function batchValues(entries: readonly AuditRecord[], head: AuditLink): Record<string, unknown> {
  return {
    seqs: entries.map((entry) => entry.seq),
    times: entries.map((entry) => entry.time),
    tenants: entries.map((entry) => entry.tenant),
    actor_kinds: entries.map((entry) => entry.actor.kind),
    actor_ids: entries.map((entry) => entry.actor.id),
    actor_names: entries.map((entry) => entry.actor.name ?? null),
    actions: entries.map((entry) => entry.action),
    subjects: entries.map((entry) => entry.subject),
    details: entries.map((entry) => JSON.stringify(entry.details)),
    prev_hashes: entries.map((entry) => entry.prevHash),
    hashes: entries.map((entry) => entry.hash),
    head_seq: head.seq,
    head_hash: head.hash,
  };
}

/**
 * A stored row as an entry. Whatever an intruder wrote is handed on as it is (details that are
 * not JSON become a string), for the verifier to name.
 */
function toAuditRow(row: Row): AuditRow {
  const name = nullableText(row, 'actor_name');
  const detailsText = text(row, 'details');
  let details: unknown;
  try {
    details = JSON.parse(detailsText);
  } catch {
    details = detailsText;
  }
  const record: AuditRecord = {
    seq: integer(row, 'seq'),
    time: text(row, 'time'),
    tenant: text(row, 'tenant_id'),
    actor: { kind: text(row, 'actor_kind') as AuditRecord['actor']['kind'], id: text(row, 'actor_id'), ...(name === null ? {} : { name }) },
    action: text(row, 'action'),
    subject: text(row, 'subject'),
    details: details as Record<string, unknown>,
    prevHash: text(row, 'prev_hash'),
    hash: text(row, 'hash'),
  };
  return { id: integer(row, 'id'), ...record };
}
