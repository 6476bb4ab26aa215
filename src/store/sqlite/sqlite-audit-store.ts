import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { assertAuditLimit, assertContinuesHead, headForBuild } from '../audit-rules.ts';
import type { AuditLink, AuditRecord, AuditRow, AuditStore } from '../audit-store.ts';
import { toStoreError } from './open-database.ts';
import { integer, nullableText, text, type Row } from './rows.ts';

const columns = 'id, seq, time, tenant_id, actor_kind, actor_id, actor_name, action, subject, details, prev_hash, hash';

const sql = {
  head: 'SELECT seq, hash, checkpoint_seq, checkpoint_hash, checkpoint_at FROM audit_head WHERE id = 1',
  // Under the write lock, MAX(id) + 1 is free and keeps ids in writing order, whatever rows an
  // intruder may have added with ids of their choosing.
  insert: `
    INSERT INTO audit_log (id, seq, time, tenant_id, actor_kind, actor_id, actor_name, action, subject, details, prev_hash, hash)
    VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM audit_log), :seq, :time, :tenant_id, :actor_kind, :actor_id, :actor_name,
            :action, :subject, :details, :prev_hash, :hash)`,
  moveHead: 'UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1',
  read: `
    SELECT ${columns} FROM audit_log
    WHERE (seq, id) > (:after_seq, :after_id)
      AND (:tenant_id IS NULL OR tenant_id = :tenant_id)
      AND (:from IS NULL OR time >= :from)
      AND (:to IS NULL OR time < :to)
      AND (:actor_id IS NULL OR actor_id = :actor_id)
      AND (:action IS NULL OR action = :action)
    ORDER BY seq, id LIMIT :limit`,
  lastThrough: 'SELECT seq, hash FROM audit_log WHERE seq <= ? ORDER BY seq DESC, id DESC LIMIT 1',
  deleteThrough: 'DELETE FROM audit_log WHERE seq <= ?',
  checkpoint: 'UPDATE audit_head SET checkpoint_seq = :seq, checkpoint_hash = :hash, checkpoint_at = :at WHERE id = 1',
} as const;

type Statements = Record<keyof typeof sql, StatementSync>;

/**
 * The SQLite side of {@link AuditStore}, spread into the SQLite store. An append is one
 * `BEGIN IMMEDIATE` transaction: it holds the database's write lock from before it reads the
 * head until it commits the entry and the new head, so connections in other processes queue
 * behind it and the chain stays one.
 *
 * @example
 * const store = { ...createSqliteAuditStore(db, transaction, () => void statements()), ...otherMethods };
 */
export function createSqliteAuditStore(db: DatabaseSync, transaction: <T>(work: () => T) => T, ensureMigrated: () => void): AuditStore {
  let prepared: Statements | undefined;
  const statements = (): Statements => {
    if (prepared !== undefined) return prepared;
    ensureMigrated();
    prepared = Object.fromEntries(Object.entries(sql).map(([name, query]) => [name, db.prepare(query)])) as Statements;
    return prepared;
  };
  return {
    appendAudit: (build) =>
      guard(() =>
        transaction(() => {
          const s = statements();
          const row = s.head.get();
          if (row === undefined) throw new Error('The audit head row is missing');
          const head = { seq: integer(row, 'seq'), hash: text(row, 'hash') };
          const entry = build(headForBuild(head));
          assertContinuesHead(entry, head);
          s.insert.run({
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
          s.moveHead.run({ seq: entry.seq, hash: entry.hash });
          return entry;
        }),
      ),
    readAudit: (query) =>
      guard(() => {
        assertAuditLimit(query.limit);
        return statements()
          .read.all({
            after_seq: query.after?.seq ?? -1,
            after_id: query.after?.id ?? -1,
            tenant_id: query.tenantId ?? null,
            from: query.from ?? null,
            to: query.to ?? null,
            actor_id: query.actorId ?? null,
            action: query.action ?? null,
            limit: query.limit,
          })
          .map(toAuditRow);
      }),
    auditHead: () =>
      guard(() => {
        const row = statements().head.get();
        if (row === undefined) throw new Error('The audit head row is missing');
        return {
          head: { seq: integer(row, 'seq'), hash: text(row, 'hash') },
          checkpoint: { seq: integer(row, 'checkpoint_seq'), hash: text(row, 'checkpoint_hash'), at: nullableText(row, 'checkpoint_at') },
        };
      }),
    pruneAudit: (input) =>
      guard(() =>
        transaction(() => {
          const s = statements();
          const last = s.lastThrough.get(input.throughSeq);
          const headRow = s.head.get();
          if (headRow === undefined) throw new Error('The audit head row is missing');
          const current: AuditLink = { seq: integer(headRow, 'checkpoint_seq'), hash: text(headRow, 'checkpoint_hash') };
          if (last === undefined) return { pruned: 0, checkpoint: current };
          const checkpoint = { seq: integer(last, 'seq'), hash: text(last, 'hash') };
          const pruned = Number(s.deleteThrough.run(input.throughSeq).changes);
          s.checkpoint.run({ ...checkpoint, at: input.now.toISOString() });
          return { pruned, checkpoint };
        }),
      ),
  };
}

function guard<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}

/**
 * A stored row as an entry. Whatever an intruder wrote is handed on as it is (details that are
 * not JSON become a string), for the verifier to name; only a read that cannot be mapped at
 * all fails.
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
