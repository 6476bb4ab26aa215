import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect, it } from 'vitest';
import { observabilitySql } from './observability.ts';
import { createSqliteStore } from './sqlite-store.ts';

/*
 * Prometheus scrapes every few seconds and the alert rules run every minute, while finished runs
 * and ledger rows pile up without end: their queries must reach rows through indexes (unfinished
 * states, recent ends, recent calls), never by scanning a whole table. Checked on the plans
 * SQLite chooses, with statistics of a database where most runs finished long ago.
 */
it('reads unfinished runs, recent ends and recent model calls through indexes, never a table scan', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'keel-observability-plan-'));
  const path = join(directory, 'keel.db');
  try {
    const store = createSqliteStore({ path });
    await store.migrate();
    await store.close();
    const db = new DatabaseSync(path);
    const at = '2030-01-01T00:00:00.000Z';
    db.exec('BEGIN');
    db.prepare("INSERT INTO sessions (tenant_id, id, user_id, agent, created_at, updated_at) VALUES ('t', 's', 'u', 'a', ?, ?)").run(at, at);
    const insertRun = db.prepare(`INSERT INTO runs (id, tenant_id, agent, session_id, user_id, status, input, usage, metadata, created_at, updated_at, ended_at)
      VALUES (?, 't', 'a', 's', 'u', ?, 'x', '{}', '{}', ?, ?, ?)`);
    const insertUsage =
      db.prepare(`INSERT INTO usage (tenant_id, run_id, step, user_id, agent, session_id, provider, model_id, input_tokens, output_tokens, cached_tokens, cost_nano_usd, latency_ms, at)
      VALUES ('t', ?, 1, 'u', 'a', 's', 'p', 'm', 1, 1, 0, 1, ?, ?)`);
    for (let index = 0; index < 2_000; index += 1) {
      const day = `2030-01-${String(1 + (index % 28)).padStart(2, '0')}T00:00:00.000Z`;
      const finished = index % 20 !== 0;
      insertRun.run(`r-${index}`, finished ? 'completed' : 'queued', at, at, finished ? day : null);
      insertUsage.run(`r-${index}`, index % 500, day);
    }
    db.exec('COMMIT');
    db.exec('ANALYZE');
    const values: Record<string, Record<string, string | number>> = {
      countUnfinished: {},
      countEnded: { from: '2030-01-27T00:00:00.000Z', to: '2030-01-28T00:00:00.000Z' },
      countUserFailures: { from: '2030-01-27T00:00:00.000Z', to: '2030-01-28T00:00:00.000Z', at_least: 3 },
      latencyPercentiles: { from: '2030-01-27T00:00:00.000Z', to: '2030-01-28T00:00:00.000Z', percentile: 95 },
      countWaitingSince: { reason: 'approval', before: at },
    };
    for (const [name, parameters] of Object.entries(values)) {
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${observabilitySql[name as keyof typeof observabilitySql]}`)
        .all(parameters)
        .map((row) => String(row.detail));
      expect(
        plan.filter((step) => /^SCAN (runs|usage)\b/.test(step)),
        `${name}:\n${plan.join('\n')}`,
      ).toEqual([]);
    }
    // Every tenant's recent calls, one tenant's range at a time, through the one index of time the ledger keeps.
    const latency = db
      .prepare(`EXPLAIN QUERY PLAN ${observabilitySql.latencyPercentiles}`)
      .all(values.latencyPercentiles ?? {})
      .map((row) => String(row.detail));
    expect(latency.join('\n')).toMatch(/SEARCH usage USING INDEX usage_tenant_at \(tenant_id=\? AND at>\? AND at<\?\)/);
    expect(
      db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'usage'")
        .all()
        .map((row) => String(row.name)),
    ).toEqual(['usage_tenant_at']);
    // The dashboard's overview of one tenant reaches that tenant's ends only, not every tenant's in the range.
    const series = db
      .prepare(`EXPLAIN QUERY PLAN ${observabilitySql.runSeries}`)
      .all({ tenant_id: 'other', from: '2030-01-01T00:00:00.000Z', to: '2030-01-29T00:00:00.000Z', bucket: 3600 })
      .map((row) => String(row.detail));
    expect(series.join('\n')).toMatch(/SEARCH runs USING (COVERING )?INDEX runs_tenant_ended/);
    db.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
