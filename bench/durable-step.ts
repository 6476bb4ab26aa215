import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JournalEvent } from '../src/journal/events.ts';
import { createJournalWriter } from '../src/engine/journal-writer.ts';
import { openBareSqlite } from './lib/bare-sqlite.ts';
import { instantModel } from './lib/instant-model.ts';
import { benchAgent, benchRuntime, timedRun, toolName } from './lib/keel-agent.ts';
import { storeWithLeasedRun } from './lib/keel-store.ts';
import { benchPayload, payloadBytes } from './lib/payload.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport } from './lib/report.ts';
import { withTemporaryDirectory } from './lib/temporary-directory.ts';
import { interleave, median } from './lib/timing.ts';

const sizes = {
  full: { iterations: 2_000, rounds: 7, turns: 200, runs: 5 },
  quick: { iterations: 30, rounds: 1, turns: 5, runs: 1 },
};

/** The journal event each step appends: a ~1.5 KB tool result. */
function stepEvent(step: number): JournalEvent {
  return { type: 'tool-result', step, callId: 'call_1', output: benchPayload(step), durationMs: 3 };
}

/** What Keel stores in `journal.data` for the event (the event without its `type`). */
function storedData(step: number): string {
  const { type: _type, ...data } = stepEvent(step);
  return JSON.stringify(data);
}

/** µs per operation of `iterations` sequential calls. */
async function perOperationUs(iterations: number, operation: (index: number) => void | Promise<void>): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < iterations; index += 1) await operation(index);
  return ((performance.now() - started) * 1_000) / iterations;
}

async function run(options: BenchOptions): Promise<BenchReport> {
  const size = options.quick ? sizes.quick : sizes.full;
  return await withTemporaryDirectory(async (directory) => {
    const bare = openBareSqlite(join(directory, 'bare.db'));
    const direct = await storeWithLeasedRun(join(directory, 'store.db'));
    const viaWriter = await storeWithLeasedRun(join(directory, 'writer.db'));
    let directSeq = direct.lease.run.lastSeq;
    const { runId, epoch, run: leased } = viaWriter.lease;
    const writer = createJournalWriter({ store: viaWriter.store, runId, epoch, lastSeq: leased.lastSeq, now: () => new Date() });
    const contenders = {
      bare: () => perOperationUs(size.iterations, (index) => bare.step(storedData(index))),
      store: () =>
        perOperationUs(size.iterations, async (index) => {
          const fence = { runId: direct.lease.runId, epoch: direct.lease.epoch, lastSeq: directSeq, now: new Date() };
          await direct.store.append(fence, [stepEvent(index)]);
          directSeq += 1;
        }),
      writer: () => perOperationUs(size.iterations, (index) => writer.append([stepEvent(index)])),
    };
    try {
      options.log(`durable-step: ${size.rounds} rounds of ${size.iterations} appends each`);
      await interleave(1, contenders); // warm-up: JIT, page cache, WAL file
      const us = await interleave(size.rounds, contenders);
      const turn = await enginePerTurn(directory, size, options);
      const baseline = { label: 'bare node:sqlite insert+update', value: us.bare, unit: 'µs/step' };
      const withinTwice = { ratioOf: 'Keel / bare SQLite', bar: { text: '<= 2x', max: 2 } };
      return {
        id: 'durable-step',
        title: 'Durable step overhead on embedded SQLite',
        status: 'ok',
        figures: [
          compare({ name: 'Store.append (fenced)', baseline, measured: { label: 'Store.append', value: us.store, unit: 'µs/step' }, ...withinTwice }),
          compare({ name: 'journal writer', baseline, measured: { label: 'JournalWriter.append', value: us.writer, unit: 'µs/step' }, ...withinTwice }),
          compare({
            name: `engine turn (model + read tool), ${size.turns}-turn run`,
            baseline,
            measured: { label: 'Keel run, instant model', value: turn.usPerTurn, unit: 'µs/turn' },
            ratioOf: 'Keel turn / bare step',
          }),
        ],
        details: {
          payloadBytes: Buffer.byteLength(storedData(0)),
          toolOutputBytes: payloadBytes(benchPayload(0)),
          iterationsPerRound: size.iterations,
          rounds: size.rounds,
          engineTurns: size.turns,
          engineRuns: size.runs,
          engineCommitsPerTurn: turn.commitsPerTurn,
          engineUsPerCommit: turn.usPerTurn / turn.commitsPerTurn,
          sqlite: 'WAL, synchronous=NORMAL',
        },
      };
    } finally {
      bare.close();
      await direct.store.close();
      await viaWriter.store.close();
    }
  });
}

/** A full Keel run (instant model, one read tool returning the payload): time per turn. */
async function enginePerTurn(
  directory: string,
  size: { turns: number; runs: number },
  options: BenchOptions,
): Promise<{ usPerTurn: number; commitsPerTurn: number }> {
  const agent = benchAgent({ model: instantModel({ turns: size.turns, toolName }), turns: size.turns, toolOutput: benchPayload });
  const keel = await benchRuntime({ agent, databasePath: join(directory, 'engine.db') });
  try {
    options.log(`durable-step: ${size.runs} Keel runs of ${size.turns} turns`);
    await timedRun(keel.runtime, 'warm-up', size.turns);
    const samples: number[] = [];
    let commits = 0;
    for (let index = 0; index < size.runs; index += 1) {
      const before = keel.appends();
      const { ms } = await timedRun(keel.runtime, `run ${index}`, size.turns);
      samples.push((ms * 1_000) / size.turns);
      commits = keel.appends() - before;
    }
    return { usPerTurn: median(samples), commitsPerTurn: commits / size.turns };
  } finally {
    await keel.close();
  }
}

export const durableStep: BenchModule = { id: 'durable-step', title: 'Durable step overhead on embedded SQLite', run };
