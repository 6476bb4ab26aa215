import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JournalEvent } from '../journal/events.ts';
import { defineAgent } from '../sdk/define-agent.ts';
import { defineTool } from '../sdk/define-tool.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { RunRecord, Store } from '../store/store.ts';
import { scriptedModel } from '../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../testing/test-runtime.ts';
import type { Commit } from './commits.ts';
import { createRecentEntries } from './recent-entries.ts';

const run = { id: 'run_1' } as RunRecord;
const at = '2030-01-01T00:00:00.000Z';
const step = (n: number): JournalEvent => ({ type: 'step-start', step: n, attempt: 1 });
const commit = (lastSeq: number, events: JournalEvent[]): Commit => ({ run, events, lastSeq, at });

describe('createRecentEntries', () => {
  it('keeps nothing for a run nobody follows', () => {
    const recent = createRecentEntries();
    recent.add(commit(3, [step(1), step(2)]));
    expect(recent.after('run_1', 1, 500)).toBeUndefined();
  });

  it('hands out entries only when it holds the very next one', () => {
    const recent = createRecentEntries();
    const release = recent.follow('run_1');
    recent.add(commit(4, [step(1), step(2), step(3)]));
    expect(recent.after('run_1', 0, 500)).toBeUndefined(); // seq 1 is the store's
    expect(recent.after('run_1', 1, 500)?.map((entry) => entry.seq)).toEqual([2, 3, 4]);
    expect(recent.after('run_1', 2, 1)?.map((entry) => entry.seq)).toEqual([3]);
    expect(recent.after('run_1', 4, 500)).toBeUndefined(); // taken everything: read the store
    expect(recent.after('run_1', 1, 500)?.[0]).toEqual({ type: 'step-start', step: 1, attempt: 1, seq: 2, at, v: 1 });
    release();
    expect(recent.after('run_1', 1, 500)).toBeUndefined();
  });

  it('starts again after a gap, so it never hands out a journal with a hole', () => {
    const recent = createRecentEntries();
    recent.follow('run_1');
    recent.add(commit(3, [step(1), step(2)]));
    recent.add(commit(9, [step(5), step(6)])); // seq 4-7 were written elsewhere
    expect(recent.after('run_1', 3, 500)).toBeUndefined();
    expect(recent.after('run_1', 7, 500)?.map((entry) => entry.seq)).toEqual([8, 9]);
  });

  it("holds nothing once the run has ended: an ended run's session may be erased in the store", () => {
    const recent = createRecentEntries();
    recent.follow('run_1');
    recent.add(commit(3, [step(1), step(2)]));
    expect(recent.after('run_1', 1, 500)).toHaveLength(2);
    recent.add(commit(4, [{ type: 'run-end', status: 'completed', output: 'secret answer' }]));
    expect(recent.after('run_1', 1, 500)).toBeUndefined();
    expect(recent.after('run_1', 3, 500)).toBeUndefined();
  });

  it('holds nothing of a run once its execution here has stopped, and starts again with the next commit made here', () => {
    const recent = createRecentEntries();
    recent.follow('run_1');
    recent.add(commit(3, [step(1), step(2)]));
    recent.forget('run_1');
    expect(recent.after('run_1', 1, 500)).toBeUndefined();
    recent.add(commit(4, [step(3)]));
    expect(recent.after('run_1', 3, 500)?.map((entry) => entry.seq)).toEqual([4]);
  });

  it('hands out events as the store reads them back: through JSON', () => {
    const recent = createRecentEntries();
    recent.follow('run_1');
    const when = new Date('2031-02-03T04:05:06.000Z');
    recent.add(commit(2, [{ type: 'tool-result', step: 1, callId: 'c1', toolName: 't', output: { when, gone: undefined }, durationMs: 1 } as JournalEvent]));
    expect(recent.after('run_1', 1, 500)?.[0]).toEqual({
      type: 'tool-result',
      step: 1,
      callId: 'c1',
      toolName: 't',
      output: { when: '2031-02-03T04:05:06.000Z' },
      durationMs: 1,
      seq: 2,
      at,
      v: 1,
    });
  });
});

describe('following a run in the process that executes it', () => {
  let harness: TestRuntime | undefined;
  let directory: string | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  });

  /** The store, counting reads of the journal. */
  function countingReads(store: Store): { store: Store; reads: () => number } {
    let reads = 0;
    return { store: { ...store, readJournal: (...args) => ((reads += 1), store.readJournal(...args)) }, reads: () => reads };
  }

  it('yields exactly the journal the store holds, without reading it back after every commit', async () => {
    directory = mkdtempSync(join(tmpdir(), 'keel-recent-'));
    const counted = countingReads(createSqliteStore({ path: join(directory, 'keel.db') }));
    const readRecord = defineTool({
      name: 'read_record',
      description: 'Reads a record',
      input: z.object({ id: z.number() }),
      effect: 'read',
      execute: ({ id }) => ({ id, at: new Date(Date.UTC(2030, 0, id)), missing: undefined }),
    });
    const turns = 20;
    const model = scriptedModel([
      ...Array.from({ length: turns }, (_, index) => ({ toolCalls: [{ name: 'read_record', arguments: { id: index + 1 } }] })),
      { text: 'done' },
    ]);
    harness = await createTestRuntime({
      store: counted.store,
      agents: [defineAgent({ name: 'reader', model, instructions: 'Read.', tools: [readRecord], limits: { maxSteps: 30 } })],
    });
    const { runtime } = harness;
    const { run: started } = await runtime.startRun({ agent: 'reader', input: 'go' });
    const followed: unknown[] = [];
    const following = (async () => {
      for await (const entry of runtime.events(started.id)) followed.push(entry);
    })();
    // Let the follower read the run's start before the execution begins.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const readsBefore = counted.reads();
    const ended = await runtime.executeRun(started.id);
    await following;
    expect(ended.status).toBe('completed');
    const readsDuring = counted.reads() - readsBefore;
    const stored = await counted.store.readJournal(started.id);
    expect(followed).toEqual(stored);
    expect(JSON.stringify(followed)).toBe(JSON.stringify(stored));
    // One read to fold the journal when the run is claimed; every commit after it came from memory.
    expect(stored.length).toBeGreaterThan(turns * 4);
    expect(readsDuring).toBeLessThanOrEqual(3);
  });
});
