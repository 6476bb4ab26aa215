import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { Runtime } from '../src/engine/runtime-types.ts';
import { createRuntime } from '../src/keel.ts';
import { defineAgent } from '../src/sdk/define-agent.ts';
import { defineConfig } from '../src/sdk/define-config.ts';
import { defineTool } from '../src/sdk/define-tool.ts';
import { createPostgresStore } from '../src/store/postgres/postgres-store.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/store.ts';
import { createSilentLogger } from '../src/telemetry/logger.ts';
import { openBareSqlite } from './lib/bare-sqlite.ts';
import { benchDatabaseUrl, openBarePostgres, postgresUnavailable, withBenchSchema } from './lib/bench-postgres.ts';
import { instantModel } from './lib/instant-model.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport, type Figure } from './lib/report.ts';
import { median } from './lib/timing.ts';

/*
 * From a reviewer's decision to the gated tool's execution: runs park on an approval (an
 * in-process model that calls the gated tool at once), then each approval is decided through
 * `runtime.decideApproval` while a worker runs, and the time from the call to the tool's
 * `execute` is taken. On SQLite and on PostgreSQL. The baseline is one bare durable commit on
 * the same database (a hand-written insert+update transaction): a decision costs a claim, a
 * fold, a fenced commit and a release, then a worker's claim and its commits before the tool.
 */

const sizes = { full: { runs: 300 }, quick: { runs: 20 } };
const payload = JSON.stringify({ type: 'approval-decision', approvalId: 'apr_x', step: 1, callId: 'call_1', decision: 'approve' });

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function decisionLatencies(store: Store, runs: number): Promise<number[]> {
  const executedAt = new Map<string, number>();
  const refund = defineTool({
    name: 'refund',
    description: 'Refund a record',
    input: z.object({ id: z.number() }),
    effect: 'unsafe',
    approval: 'always',
    execute: ({ id }, context) => {
      executedAt.set(context.runId, performance.now());
      return { id, refunded: true };
    },
  });
  const agent = defineAgent({ name: 'gated', model: instantModel({ turns: 1, toolName: 'refund' }), instructions: 'Refund.', tools: [refund] });
  const runtime: Runtime = createRuntime({ config: defineConfig({ agents: [agent] }), store, logger: createSilentLogger(), env: {}, approvalSweepMs: 0 });
  try {
    const ids: string[] = [];
    for (let index = 0; index < runs; index += 1) {
      const run = await runtime.run({ agent: 'gated', input: `refund ${index}`, userId: `user-${index % 10}` });
      if (run.status !== 'waiting') throw new Error(`run ${run.id} did not park on its approval (${run.status})`);
      ids.push(run.id);
    }
    const worker = runtime.startWorker({ concurrency: 8, pollIntervalMs: 50 });
    const latencies: number[] = [];
    for (const runId of ids) {
      const [approval] = (await store.listApprovals('default', { runId })).approvals;
      if (approval === undefined) throw new Error(`no approval for ${runId}`);
      const decided = performance.now();
      await runtime.decideApproval(approval.id, { decision: 'approve' }, { actor: { kind: 'system', name: 'bench' } });
      // A deadline on the clock, not a count of turns of the event loop: a loaded machine takes
      // many more turns to get to the worker's claim.
      while (!executedAt.has(runId)) {
        if (performance.now() - decided > 30_000) throw new Error(`the approved call of ${runId} did not run within 30 s of its approval`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      latencies.push((executedAt.get(runId) ?? Number.NaN) - decided);
    }
    await worker.stop();
    return latencies;
  } finally {
    await runtime.close();
  }
}

function figures(database: string, latencies: number[], bareMs: number): Figure[] {
  const unit = 'ms';
  return [
    compare({
      name: `${database}: decision to tool execution, p50`,
      baseline: { label: `bare ${database} commit`, value: bareMs, unit },
      measured: { label: 'decideApproval → execute, p50', value: median(latencies), unit },
      ratioOf: 'Keel / bare commit',
    }),
    compare({
      name: `${database}: decision to tool execution, p99`,
      baseline: { label: `bare ${database} commit`, value: bareMs, unit },
      measured: { label: 'decideApproval → execute, p99', value: percentile(latencies, 99), unit },
      ratioOf: 'Keel / bare commit',
    }),
  ];
}

async function onSqlite(runs: number): Promise<{ latencies: number[]; bareMs: number }> {
  const directory = mkdtempSync(join(tmpdir(), 'keel-approvals-bench-'));
  try {
    const store = createSqliteStore({ path: join(directory, 'keel.db') });
    await store.migrate();
    const latencies = await decisionLatencies(store, runs);
    await store.close();
    const bare = openBareSqlite(join(directory, 'bare.db'));
    const samples: number[] = [];
    for (let index = 0; index < 200; index += 1) {
      const started = performance.now();
      bare.step(payload);
      samples.push(performance.now() - started);
    }
    bare.close();
    return { latencies, bareMs: median(samples) };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function onPostgres(runs: number): Promise<{ latencies: number[]; bareMs: number }> {
  return await withBenchSchema(async (schema) => {
    const store = createPostgresStore({ connectionString: benchDatabaseUrl, schema });
    await store.migrate();
    try {
      const latencies = await decisionLatencies(store, runs);
      const bare = await openBarePostgres({ schema, runs: 1, poolSize: 1 });
      const samples: number[] = [];
      for (let index = 0; index < 100; index += 1) {
        const started = performance.now();
        await bare.step(0, payload);
        samples.push(performance.now() - started);
      }
      await bare.close();
      return { latencies, bareMs: median(samples) };
    } finally {
      await store.close();
    }
  });
}

export const approvals: BenchModule = {
  id: 'approvals',
  title: 'Approvals: from a decision to the gated tool running, on SQLite and PostgreSQL',
  async run(options: BenchOptions): Promise<BenchReport> {
    const size = options.quick ? sizes.quick : sizes.full;
    options.log(`approvals: ${size.runs} runs parked on an approval, decided one by one (SQLite)`);
    const sqlite = await onSqlite(size.runs);
    const report: BenchReport = {
      id: this.id,
      title: this.title,
      status: 'ok',
      figures: figures('SQLite', sqlite.latencies, sqlite.bareMs),
      details: { runs: size.runs, sqliteP50Ms: Number(median(sqlite.latencies).toFixed(2)), sqliteP99Ms: Number(percentile(sqlite.latencies, 99).toFixed(2)) },
    };
    const unavailable = await postgresUnavailable();
    if (unavailable !== undefined) {
      report.details.postgres = `not measured: ${unavailable}`;
      return report;
    }
    options.log(`approvals: the same on PostgreSQL`);
    const postgres = await onPostgres(size.runs);
    report.figures.push(...figures('PostgreSQL', postgres.latencies, postgres.bareMs));
    report.details.postgresP50Ms = Number(median(postgres.latencies).toFixed(2));
    report.details.postgresP99Ms = Number(percentile(postgres.latencies, 99).toFixed(2));
    return report;
  },
};
