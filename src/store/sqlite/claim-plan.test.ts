import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect, it } from 'vitest';
import { createSqliteStore } from './sqlite-store.ts';
import { prepareStatements } from './statements.ts';

/*
 * Workers claim several times a second, and finished runs pile up without end: the claim must
 * reach runs through the index of unfinished states, never by scanning the table. Checked on the
 * query plan SQLite chooses, with statistics of a database where most runs are finished.
 */
it('claims without scanning the runs table, however many finished runs there are', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'keel-claim-plan-'));
  const path = join(directory, 'keel.db');
  try {
    const store = createSqliteStore({ path });
    await store.migrate();
    const now = new Date();
    for (let index = 0; index < 400; index += 1) {
      await store.createRun({
        id: `run-${index}`,
        tenantId: 't',
        agent: 'a',
        sessionId: `s-${index}`,
        userId: `u-${index % 7}`,
        input: 'x',
        sessionPolicy: 'queue',
        now,
      });
    }
    await store.close();
    const db = new DatabaseSync(path);
    db.exec("UPDATE runs SET status = 'completed' WHERE creation_order % 20 <> 0");
    db.exec('ANALYZE');
    const statements = prepareStatements(db) as unknown as Record<'claimRunnable' | 'claimableRuns' | 'countLiveLeases', { sourceSQL: string }>;
    for (const name of ['claimRunnable', 'claimableRuns', 'countLiveLeases'] as const) {
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${statements[name].sourceSQL}`)
        .all({})
        .map((row) => String(row.detail));
      expect(
        plan.filter((step) => /^SCAN runs\b/.test(step)),
        `${name}:\n${plan.join('\n')}`,
      ).toEqual([]);
    }
    db.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
