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
  // The entry and the new head in one statement (one round trip). Under the head lock,
  // MAX(id) + 1 is free and keeps ids in writing order, whatever ids an intruder chose.
  insert: namedSql(`
    WITH inserted AS (
      INSERT INTO audit_log (id, seq, time, tenant_id, actor_kind, actor_id, actor_name, action, subject, details, prev_hash, hash)
      VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM audit_log), :seq::bigint, :time, :tenant_id, :actor_kind, :actor_id, :actor_name::text,
              :action, :subject, :details, :prev_hash, :hash)
      RETURNING seq, hash)
    UPDATE audit_head SET seq = inserted.seq, hash = inserted.hash FROM inserted WHERE audit_head.id = 1`),
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
 *
 * @example
 * const store = { ...createPostgresAuditStore(pool), ...otherMethods };
 */
export function createPostgresAuditStore(pool: Pool): AuditStore {
  return {
    appendAudit: (build) =>
      inTransaction(pool, async (client) => {
        const row = await queryOne(client, auditSql.lockHead);
        const head = { seq: integer(row, 'seq'), hash: text(row, 'hash') };
        const entry = build(headForBuild(head));
        assertContinuesHead(entry, head);
        await query(client, auditSql.insert, {
          seq: entry.seq,
          time: entry.time,
          tenant_id: entry.tenant,
          actor_kind: entry.actor.kind,
          actor_id: entry.actor.id,
          actor_name: entry.actor.name ?? null,
          action: entry.action,
          subject: entry.subject,
          details: JSON.stringify(entry.details),
          prev_hash: entry.prevHash,
          hash: entry.hash,
        });
        return entry;
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
