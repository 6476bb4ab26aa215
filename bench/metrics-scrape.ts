import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { createRuntime } from '../src/keel.ts';
import { createApp } from '../src/server/app.ts';
import { defineAgent } from '../src/sdk/define-agent.ts';
import { defineConfig } from '../src/sdk/define-config.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { createSilentLogger } from '../src/telemetry/logger.ts';
import { instantModel } from './lib/instant-model.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport } from './lib/report.ts';
import { withTemporaryDirectory } from './lib/temporary-directory.ts';
import { interleave } from './lib/timing.ts';

/*
 * What a Prometheus scrape costs with many runs stored: `GET /metrics` (authentication, the
 * store's unfinished-run counts, the runtime's and the server's registries, the text). Two
 * stores hold the same 500 unfinished runs, one with 1,000 runs in all and one with 100,000 (the
 * rest finished, as in any store that has lived a while): the scrape must not grow with the
 * finished runs. A bare `SELECT count(*) FROM runs` on the large file is reported beside it, the
 * cheapest question one can ask of that table (SQLite answers it from its smallest index).
 */
const sizes = { full: { runs: 100_000, scrapes: 200, rounds: 7 }, quick: { runs: 3_000, scrapes: 10, rounds: 1 } };
const unfinishedRuns = 500;
const smallStoreRuns = 1_000;
const id = 'metrics-scrape';
const title = 'GET /metrics with many runs stored';
const token = 'bench-metrics-token';

/** Writes `count` runs straight into the schema, in one transaction: 500 queued, running or waiting, the rest finished. */
function seed(path: string, count: number): void {
  const db = new DatabaseSync(path);
  const at = new Date('2030-01-01T00:00:00.000Z').toISOString();
  const insertSession = db.prepare('INSERT INTO sessions (tenant_id, id, user_id, agent, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
  const insertRun = db.prepare(`
    INSERT INTO runs (id, tenant_id, agent, session_id, user_id, status, waiting_reason, input, usage, metadata, last_seq, created_at, updated_at, started_at, ended_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'input', '{"inputTokens":0,"outputTokens":0,"cachedTokens":0}', '{}', 1, ?, ?, ?, ?)`);
  db.exec('BEGIN');
  for (let index = 0; index < 1_000; index += 1) insertSession.run(`tenant-${index % 10}`, `ses-${index}`, `user-${index}`, 'bench', at, at);
  for (let index = 0; index < count; index += 1) {
    const slot = index % 10;
    const finished = index >= unfinishedRuns;
    const status = finished ? (slot < 9 ? 'completed' : 'failed') : slot < 6 ? 'queued' : slot < 8 ? 'running' : 'waiting';
    const session = index % 1_000;
    const ended = finished ? at : null;
    insertRun.run(
      `run-${index}`,
      `tenant-${session % 10}`,
      `agent-${index % 5}`,
      `ses-${session}`,
      `user-${session}`,
      status,
      status === 'waiting' ? 'approval' : null,
      at,
      at,
      at,
      ended,
    );
  }
  db.exec('COMMIT');
  db.close();
}

/** A store seeded with `runs` runs and the app that serves its `/metrics`. */
async function scrapeTarget(path: string, runs: number) {
  const store = createSqliteStore({ path });
  await store.migrate();
  seed(path, runs);
  const agent = defineAgent({ name: 'bench', model: instantModel({ turns: 0, toolName: 'none' }), instructions: 'Answer.' });
  const runtime = createRuntime({ config: defineConfig({ agents: [agent] }), store, logger: createSilentLogger(), tracing: false });
  const app = createApp({ runtime, logger: createSilentLogger(), metricsToken: token, loadShedding: false });
  let bytes = 0;
  return {
    get bytes() {
      return bytes;
    },
    async scrapeUs(scrapes: number): Promise<number> {
      const started = performance.now();
      for (let index = 0; index < scrapes; index += 1) {
        const response = await app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
        if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
        bytes = (await response.text()).length;
      }
      return ((performance.now() - started) * 1_000) / scrapes;
    },
    async close() {
      await runtime.close();
      await store.close();
    },
  };
}

async function run(options: BenchOptions): Promise<BenchReport> {
  const size = options.quick ? sizes.quick : sizes.full;
  return await withTemporaryDirectory(async (directory) => {
    options.log(`${id}: seeding ${smallStoreRuns} and ${size.runs} runs`);
    const small = await scrapeTarget(join(directory, 'small.db'), smallStoreRuns);
    const large = await scrapeTarget(join(directory, 'large.db'), size.runs);
    const bare = new DatabaseSync(join(directory, 'large.db'), { readOnly: true });
    const countRuns = bare.prepare('SELECT count(*) AS count FROM runs');
    try {
      const contenders = {
        count: () => {
          const started = performance.now();
          for (let index = 0; index < size.scrapes; index += 1) countRuns.get();
          return Promise.resolve(((performance.now() - started) * 1_000) / size.scrapes);
        },
        small: () => small.scrapeUs(size.scrapes),
        large: () => large.scrapeUs(size.scrapes),
      };
      options.log(`${id}: ${size.rounds} rounds of ${size.scrapes} scrapes of each store, and counts`);
      await interleave(1, contenders);
      const us = await interleave(size.rounds, contenders);
      const measured = { label: `GET /metrics, ${size.runs} runs`, value: us.large, unit: 'µs' };
      return {
        id,
        title,
        status: 'ok',
        figures: [
          compare({
            name: `GET /metrics: ${size.runs} runs stored vs ${smallStoreRuns} (same ${unfinishedRuns} unfinished)`,
            baseline: { label: `GET /metrics, ${smallStoreRuns} runs`, value: us.small, unit: 'µs' },
            measured,
            ratioOf: 'large store / small store',
            bar: { text: '<= 1.5x', max: 1.5 },
          }),
          compare({
            name: `GET /metrics vs SELECT count(*), ${size.runs} runs stored`,
            baseline: { label: 'SELECT count(*) FROM runs', value: us.count, unit: 'µs' },
            measured,
            ratioOf: 'scrape / count(*)',
          }),
        ],
        details: { runsStored: size.runs, smallStoreRuns, unfinishedRuns, scrapesPerRound: size.scrapes, rounds: size.rounds, responseBytes: large.bytes },
      };
    } finally {
      bare.close();
      await small.close();
      await large.close();
    }
  });
}

export const metricsScrape: BenchModule = { id, title, run };
