import type { DatabaseSync } from 'node:sqlite';
import { KeelError } from '../../errors/index.ts';
import type { Statements } from './statements.ts';

/**
 * `Store.deleteSession` for SQLite: inside the caller's write transaction, so no run can end
 * (and write its messages) between the busy check and the delete.
 */
export function deleteSqliteSession(db: DatabaseSync, s: Statements, tenantId: string, sessionId: string): boolean {
  if (s.getSession.get(tenantId, sessionId) === undefined) return false;
  if (s.sessionHasUnfinishedRun.get(tenantId, sessionId) !== undefined) {
    throw new KeelError({
      code: 'SESSION_BUSY',
      message: 'The session has a run in progress: cancel it or wait for it to end, then delete the session',
      details: { sessionId },
    });
  }
  db.prepare('DELETE FROM session_messages WHERE tenant_id = ? AND session_id = ?').run(tenantId, sessionId);
  return true;
}
