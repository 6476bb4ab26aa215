import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { instantModel } from './lib/instant-model.ts';
import { benchAgent, benchRuntime, timedRun, toolName } from './lib/keel-agent.ts';
import { benchPayload } from './lib/payload.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport, type Figure } from './lib/report.ts';
import { withTemporaryDirectory } from './lib/temporary-directory.ts';

const sizes = { full: { turns: 200, window: 20 }, quick: { turns: 40, window: 10 } };
const flat = { text: '0.8x - 1.25x (flat)', min: 0.8, max: 1.25 };

interface Snapshot {
  /** Bytes of `journal.data` of the run so far. */
  payload: number;
  /**
   * Bytes of the database's pages in use after a full checkpoint: the file's pages less those on
   * its free list. A fresh database starts with a few free pages (indexes a later migration
   * dropped), which the first writes reuse without growing the file; counting the file alone made
   * the first window look cheaper than the store really is.
   */
  file: number;
  /** WAL bytes written since the previous snapshot (the WAL is truncated at each one). */
  wal: number;
}

/**
 * Bytes written per step, early in a long run and late in it. Keel appends only the new events,
 * so both windows should cost the same; a store that rewrote accumulated state would grow with
 * the run's length.
 */
async function run(options: BenchOptions): Promise<BenchReport> {
  const { turns, window } = options.quick ? sizes.quick : sizes.full;
  return await withTemporaryDirectory(async (directory) => {
    const databasePath = join(directory, 'keel.db');
    // Snapshots are taken while tool call t runs, between two commits: by then the journal holds
    // model responses 1..t and tool results 1..t-1 (a `read` result shares the next response's
    // commit), so every window between two marks holds exactly `window` of each.
    const marks = [1, 1 + window, turns - window, turns];
    const snapshots = new Map<number, Snapshot>();
    let observer: DatabaseSync | undefined;
    const toolOutput = (id: number) => {
      if (marks.includes(id) && !snapshots.has(id)) {
        observer ??= new DatabaseSync(databasePath);
        snapshots.set(id, snapshot(observer, databasePath));
      }
      return benchPayload(id);
    };
    const agent = benchAgent({ model: instantModel({ turns, toolName }), turns, toolOutput });
    const keel = await benchRuntime({ agent, databasePath });
    try {
      options.log(`bytes-per-step: one Keel run of ${turns} turns, windows of ${window}`);
      await timedRun(keel.runtime, 'bytes per step', turns);
    } finally {
      await keel.close();
      observer?.close();
    }
    const at = (mark: number): Snapshot => {
      const found = snapshots.get(mark);
      if (found === undefined) throw new Error(`no snapshot after ${mark} turns`);
      return found;
    };
    const [start, early, late, end] = marks.map(at) as [Snapshot, Snapshot, Snapshot, Snapshot];
    // Payload and file size are running totals; WAL bytes are counted afresh at each snapshot.
    const perStep = (from: Snapshot, to: Snapshot, key: keyof Snapshot, cumulative: boolean) => (cumulative ? to[key] - from[key] : to[key]) / window;
    const figure = (name: string, key: keyof Snapshot, cumulative: boolean): Figure =>
      compare({
        name,
        baseline: { label: `first ${window} turns`, value: perStep(start, early, key, cumulative), unit: 'bytes/turn' },
        measured: { label: `last ${window} turns`, value: perStep(late, end, key, cumulative), unit: 'bytes/turn' },
        ratioOf: 'last / first window',
        bar: flat,
      });
    return {
      id: 'bytes-per-step',
      title: `Bytes written per step, first vs last ${window} of ${turns}`,
      status: 'ok',
      figures: [figure('journal payload', 'payload', true), figure('WAL bytes written', 'wal', false), figure('database growth (pages in use)', 'file', true)],
      details: { turns, window, toolOutputBytes: Buffer.byteLength(JSON.stringify(benchPayload(0))), finalFileBytes: end.file },
    };
  });
}

function snapshot(observer: DatabaseSync, databasePath: string): Snapshot {
  const wal = fileSize(`${databasePath}-wal`);
  const checkpoint = observer.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
  if (checkpoint?.busy !== 0) throw new Error(`WAL checkpoint did not complete: ${JSON.stringify(checkpoint)}`);
  const payload = observer.prepare('SELECT COALESCE(SUM(LENGTH(CAST(data AS BLOB))), 0) AS bytes FROM journal').get();
  const pages = observer
    .prepare(
      'SELECT (SELECT page_count FROM pragma_page_count) - (SELECT freelist_count FROM pragma_freelist_count) AS used, (SELECT page_size FROM pragma_page_size) AS size',
    )
    .get();
  return { payload: Number(payload?.bytes), file: Number(pages?.used) * Number(pages?.size), wal };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export const bytesPerStep: BenchModule = { id: 'bytes-per-step', title: 'Bytes written per step', run };
