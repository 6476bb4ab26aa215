import { Client } from 'pg';
import { expect, it } from 'vitest';
import { claimSql } from './claim-statements.ts';
import { createPostgresStore } from './postgres-store.ts';
import { describePostgres, testDatabaseUrl } from './postgres-test-database.ts';

/*
 * Workers claim several times a second, and finished runs pile up without end: claims must
 * reach runs through the index of unfinished states, never by scanning the table. Checked on the
 * plans PostgreSQL chooses, with statistics of a database where most runs are finished (and
 * enough of them that a scan would not be the cheaper choice anyway).
 */
await describePostgres('postgres claim plans', (schemas) => {
  it('claims without scanning the runs table, however many finished runs there are', async () => {
    const schema = await schemas.create();
    const store = createPostgresStore({ connectionString: testDatabaseUrl, schema });
    await store.migrate();
    await store.close();
    const client = new Client({ connectionString: testDatabaseUrl, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      await client.query("INSERT INTO sessions SELECT 't', 's-' || i, 'u', 'a', now(), now() FROM generate_series(1, 20000) AS i");
      await client.query(`
        INSERT INTO runs (id, tenant_id, agent, session_id, user_id, status, input, usage, metadata, created_at, updated_at)
        SELECT 'r-' || i, 't', 'a', 's-' || i, 'u-' || (i % 7), CASE WHEN i % 20 = 0 THEN 'queued' ELSE 'completed' END, 'x', '{}', '{}', now(), now()
        FROM generate_series(1, 20000) AS i`);
      await client.query('ANALYZE');
      const values: Record<string, unknown> = {
        now: new Date().toISOString(),
        owner: 'o',
        expires_at: new Date().toISOString(),
        limit: 10,
        include_waiting: false,
        run_id: 'r-20',
      };
      for (const name of ['claimRunnable', 'claimableRuns', 'claimRun', 'countLiveLeases'] as const) {
        const statement = claimSql[name];
        const { rows } = await client.query<{ 'QUERY PLAN': string }>({
          text: `EXPLAIN ${statement.text}`,
          values: statement.parameters.map((parameter) => values[parameter]),
        });
        const plan = rows.map((row) => row['QUERY PLAN']);
        expect(
          plan.filter((step) => /Seq Scan on runs\b/.test(step)),
          `${name}:\n${plan.join('\n')}`,
        ).toEqual([]);
      }
    } finally {
      await client.end();
    }
  });
});
