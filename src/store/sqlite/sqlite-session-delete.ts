import type { DatabaseSync } from 'node:sqlite';
import { erasedJournalData } from '../erase-content.ts';
import { sessionBusyError } from '../run-rules.ts';
import type { Statements } from './statements.ts';
import { integer, text, type Row } from './rows.ts';

/**
 * `Store.deleteSession` for SQLite: inside the caller's write transaction, so no run can end
 * (and write its messages) between the busy check and the erasure. Erasing (see
 * erase-content.ts) blanks the content of the session's runs and journals in place, drops its
 * messages and the cached answers its runs produced, and hides the session.
 */
export function deleteSqliteSession(db: DatabaseSync, s: Statements, tenantId: string, sessionId: string, now: Date): boolean {
  if (s.getSession.get(tenantId, sessionId) === undefined) return false;
  if (s.sessionHasUnfinishedRun.get(tenantId, sessionId) !== undefined) throw sessionBusyError(sessionId, 'delete');
  const at = now.toISOString();
  db.prepare('DELETE FROM session_messages WHERE tenant_id = ? AND session_id = ?').run(tenantId, sessionId);
  const rows: Row[] = db
    .prepare(
      'SELECT journal.run_id, journal.seq, journal.type, journal.data FROM journal JOIN runs ON runs.id = journal.run_id WHERE runs.tenant_id = ? AND runs.session_id = ?',
    )
    .all(tenantId, sessionId);
  const rewrite = db.prepare('UPDATE journal SET data = ? WHERE run_id = ? AND seq = ?');
  for (const row of rows) {
    const data = erasedJournalData(text(row, 'type'), JSON.parse(text(row, 'data')) as Record<string, unknown>);
    rewrite.run(JSON.stringify(data), text(row, 'run_id'), integer(row, 'seq'));
  }
  db.prepare('DELETE FROM model_response_cache WHERE tenant_id = ? AND run_id IN (SELECT id FROM runs WHERE tenant_id = ? AND session_id = ?)').run(
    tenantId,
    tenantId,
    sessionId,
  );
  db.prepare(
    `UPDATE runs SET input = '', output = NULL,
       error = CASE WHEN error IS NULL THEN NULL ELSE json_object('code', json_extract(error, '$.code'), 'message', '') END,
       erased_at = ?, updated_at = ?
     WHERE tenant_id = ? AND session_id = ?`,
  ).run(at, at, tenantId, sessionId);
  // What people wrote or saw about the conversation: approvals' arguments and reasons, escalations' handoffs, feedback.
  const ofSession = 'run_id IN (SELECT id FROM runs WHERE tenant_id = ? AND session_id = ?)';
  db.prepare(`UPDATE approvals SET input = NULL, decided_input = NULL, reason = '', decision_reason = NULL WHERE ${ofSession}`).run(tenantId, sessionId);
  db.prepare(`UPDATE escalations SET handoff = '{}', reason = '' WHERE ${ofSession}`).run(tenantId, sessionId);
  db.prepare(`UPDATE feedback SET correction = NULL, comment = NULL WHERE ${ofSession}`).run(tenantId, sessionId);
  db.prepare('UPDATE sessions SET deleted_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?').run(at, at, tenantId, sessionId);
  return true;
}
