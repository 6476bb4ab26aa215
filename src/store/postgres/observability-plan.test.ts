import { Client } from 'pg';
import { expect, it } from 'vitest';
import { observabilitySql } from './observability.ts';
import { createPostgresStore } from './postgres-store.ts';
import { describePostgres, testDatabaseUrl } from './postgres-test-database.ts';

/*
 * Prometheus scrapes every few seconds and the alert rules run every minute, while finished runs
 * and ledger rows pile up without end: their queries must reach rows through indexes, never by
 * scanning a whole table. Checked on the plans PostgreSQL chooses, with statistics of a database
 * where most runs finished long ago (and enough of them that a scan would not be cheaper anyway).
 */
await describePostgres('postgres observability plans', (schemas) => {
  it('reads unfinished runs, recent ends and recent model calls through indexes, never a table scan', async () => {
    const schema = await schemas.create();
    const store = createPostgresStore({ connectionString: testDatabaseUrl, schema });
    await store.migrate();
    await store.close();
    const client = new Client({ connectionString: testDatabaseUrl, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      await client.query("INSERT INTO sessions (tenant_id, id, user_id, agent, created_at, updated_at) VALUES ('t', 's', 'u', 'a', now(), now())");
      await client.query(`
        INSERT INTO runs (id, tenant_id, agent, session_id, user_id, status, input, usage, metadata, created_at, updated_at, ended_at)
        SELECT 'r-' || i, 't', 'a', 's', 'u-' || (i % 50), CASE WHEN i % 20 = 0 THEN 'queued' ELSE 'completed' END, 'x', '{}', '{}',
               now() - interval '60 days', now() - interval '60 days',
               CASE WHEN i % 20 = 0 THEN NULL ELSE now() - (i % 1440) * interval '1 hour' END
        FROM generate_series(1, 20000) AS i`);
      await client.query(`
        INSERT INTO usage (tenant_id, run_id, step, user_id, agent, session_id, provider, model_id, input_tokens, output_tokens, cached_tokens, cost_nano_usd, latency_ms, at)
        SELECT 't', 'r-' || i, 1, 'u', 'a', 's', 'p', 'm', 1, 1, 0, 1, i % 500, now() - (i % 1440) * interval '1 hour' FROM generate_series(1, 20000) AS i`);
      await client.query('ANALYZE');
      const recent = { from: new Date(Date.now() - 15 * 60_000).toISOString(), to: new Date().toISOString() };
      const values: Record<string, unknown> = { ...recent, at_least: 3, percentile: 95, reason: 'approval', before: new Date().toISOString() };
      for (const name of ['countUnfinished', 'countEnded', 'countUserFailures', 'latencyPercentiles', 'countWaitingSince'] as const) {
        const statement = observabilitySql[name];
        const { rows } = await client.query<{ 'QUERY PLAN': string }>({
          text: `EXPLAIN ${statement.text}`,
          values: statement.parameters.map((parameter) => values[parameter]),
        });
        const plan = rows.map((row) => row['QUERY PLAN']);
        expect(
          plan.filter((step) => /Seq Scan on (runs|usage)\b/.test(step)),
          `${name}:\n${plan.join('\n')}`,
        ).toEqual([]);
      }
    } finally {
      await client.end();
    }
  });
});
