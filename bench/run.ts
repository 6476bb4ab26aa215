/**
 * Runs Keel's benchmarks and prints one table per bench; writes bench/results/latest.json.
 *
 *   npm run bench                      all benches, full size (a few minutes)
 *   npm run bench -- --quick           tiny iteration counts: a smoke run of seconds
 *   npm run bench -- --only=langgraph  some benches only (ids: see bench/modules.ts)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { formatReports } from './lib/format-table.ts';
import type { BenchReport } from './lib/report.ts';
import { benchModules } from './modules.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const unknown = args.filter((arg) => arg !== '--quick' && !arg.startsWith('--only='));
const selected = benchModules.filter((module) => only === undefined || only.includes(module.id));
if (unknown.length > 0 || selected.length === 0) {
  process.stderr.write(`usage: npm run bench -- [--quick] [--only=${benchModules.map((module) => module.id).join(',')}]\n`);
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const reports: BenchReport[] = [];
for (const module of selected) {
  try {
    reports.push(await module.run({ quick, log, installPeers: true }));
  } catch (error) {
    log(`${module.id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    reports.push({ id: module.id, title: module.title, status: 'failed', reason: String(error), figures: [], details: {} });
  }
}

const resultsDirectory = join(import.meta.dirname, 'results');
mkdirSync(resultsDirectory, { recursive: true });
const environment = {
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  /** Cores this process may run on (fewer under `taskset`). */
  usableCores: availableParallelism(),
  /** The fake upstream's own cores (KEEL_BENCH_UPSTREAM_CPU), or `shared` with the contenders. */
  upstreamCpus: process.env.KEEL_BENCH_UPSTREAM_CPU || 'shared',
};
const results = { generatedAt: new Date().toISOString(), mode: quick ? 'quick' : 'full', environment, reports };
writeFileSync(join(resultsDirectory, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

process.stdout.write(`Keel benchmarks (${results.mode}) on Node ${environment.node}, ${environment.cores} × ${environment.cpu}\n\n`);
process.stdout.write(`${formatReports(reports)}\n\nWritten to bench/results/latest.json\n`);
process.exitCode = reports.some((report) => report.status === 'failed') ? 1 : 0;
