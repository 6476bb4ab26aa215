import { afterEach, describe, expect, it } from 'vitest';
import type { JournalEvent } from '../journal/events.ts';
import { createJournalWriter } from './journal-writer.ts';
import { createTestRuntime, type TestRuntime } from '../testing/test-runtime.ts';
import { defineAgent } from '../sdk/define-agent.ts';
import { scriptedModel } from '../testing/scripted-model.ts';
import type { Store } from '../store/store.ts';

let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
});

/** A run of a fresh test runtime (in `harness`), claimed: what a writer needs to write to it. */
async function claimedRun() {
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model: scriptedModel([]), instructions: '' })] });
  const { run } = await harness.runtime.startRun({ agent: 'a', input: 'x' });
  const lease = await harness.store.claimRun(run.id, { owner: 'w', leaseMs: 60_000, now: new Date() });
  if (lease === undefined) throw new Error('claim failed');
  return { run, lease, store: harness.store };
}

/** Polls `check` until it holds (at most 5 s). */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A store whose appends take a while, as a networked database's do. */
function slowAppends(store: Store): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'append') {
        return async (...args: Parameters<Store['append']>) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return target.append(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

it('keeps events deferred while a commit is in flight for the next commit, in order', async () => {
  const { run, lease, store } = await claimedRun();
  const writer = createJournalWriter({ store: slowAppends(store), runId: run.id, epoch: lease.epoch, lastSeq: 1, now: () => new Date() });
  const start = (step: number): JournalEvent => ({ type: 'step-start', step, attempt: 1 });
  writer.defer([start(1)]);
  const first = writer.append([{ type: 'run-waiting', reason: 'human' }]);
  writer.defer([start(2)]); // while the first commit is in flight
  await first;
  await writer.append([{ type: 'run-resume', reason: 'human' }]);
  writer.close();
  const journal = await store.readJournal(run.id);
  expect(journal.map((entry) => (entry.type === 'step-start' ? `step-start ${entry.step}` : entry.type))).toEqual([
    'run-start',
    'step-start 1',
    'run-waiting',
    'step-start 2',
    'run-resume',
  ]);
});

/** The store, with every append's events and patch noted in `commits`. */
function recordingAppends(store: Store): { store: Store; commits: Array<{ types: string[]; cost: number | undefined; ledgerStep: number | undefined }> } {
  const commits: Array<{ types: string[]; cost: number | undefined; ledgerStep: number | undefined }> = [];
  const recording: Store = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'append') {
        return (...args: Parameters<Store['append']>) => {
          commits.push({ types: args[1].map((event) => event.type), cost: args[2]?.costNanoUsd, ledgerStep: args[2]?.usageEntry?.step });
          return target.append(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: recording, commits };
}

const ledgerRow = (step: number) => ({
  step,
  provider: 'test',
  modelId: 'm',
  inputTokens: step,
  outputTokens: 1,
  cachedTokens: 0,
  costNanoUsd: 0,
  latencyMs: 1,
});

it('commits a held commit with the plain append queued behind it, in one transaction and in order', async () => {
  const { run, lease, store } = await claimedRun();
  const { store: recording, commits } = recordingAppends(store);
  const writer = createJournalWriter({ store: recording, runId: run.id, epoch: lease.epoch, lastSeq: 1, now: () => new Date() });
  writer.defer([{ type: 'step-start', step: 1, attempt: 1 }]);
  const held = writer.hold([{ type: 'run-waiting', reason: 'human' }], { costNanoUsd: 1, usageEntry: ledgerRow(1) }, { flushWithinMs: 60_000 });
  writer.defer([{ type: 'step-start', step: 2, attempt: 1 }]);
  expect(commits).toEqual([]);
  await writer.append([{ type: 'run-resume', reason: 'human' }], { costNanoUsd: 2 });
  await held;
  await writer.commitHeld(); // nothing held any more: no commit
  writer.close();
  // One transaction: the held commit's ledger row, and the later run total.
  expect(commits).toEqual([{ types: ['step-start', 'run-waiting', 'step-start', 'run-resume'], cost: 2, ledgerStep: 1 }]);
  expect((await store.readJournal(run.id)).map((entry) => entry.type)).toEqual(['run-start', 'step-start', 'run-waiting', 'step-start', 'run-resume']);
  expect(await store.queryUsage({ tenantId: 'default', groupBy: 'agent' })).toMatchObject([{ calls: 1, inputTokens: 1 }]);
});

it('commits a held commit on its own when the append behind it has a ledger row of its own', async () => {
  const { run, lease, store } = await claimedRun();
  const { store: recording, commits } = recordingAppends(store);
  const writer = createJournalWriter({ store: recording, runId: run.id, epoch: lease.epoch, lastSeq: 1, now: () => new Date() });
  const held = writer.hold([{ type: 'step-start', step: 1, attempt: 1 }], { costNanoUsd: 1, usageEntry: ledgerRow(1) }, { flushWithinMs: 60_000 });
  await writer.append([{ type: 'step-start', step: 2, attempt: 1 }], { costNanoUsd: 2, usageEntry: ledgerRow(2) });
  await held;
  writer.close();
  expect(commits).toEqual([
    { types: ['step-start'], cost: 1, ledgerStep: 1 },
    { types: ['step-start'], cost: 2, ledgerStep: 2 },
  ]);
  expect(await store.queryUsage({ tenantId: 'default', groupBy: 'agent' })).toMatchObject([{ calls: 2, inputTokens: 3 }]);
});

it('commits a held commit by its deadline when nothing else commits', async () => {
  const { run, lease, store } = await claimedRun();
  const writer = createJournalWriter({ store: store, runId: run.id, epoch: lease.epoch, lastSeq: 1, now: () => new Date() });
  await writer.hold([{ type: 'run-waiting', reason: 'human' }], undefined, { flushWithinMs: 5 });
  writer.close();
  expect((await store.readJournal(run.id)).map((entry) => entry.type)).toEqual(['run-start', 'run-waiting']);
});

it('once a held commit has failed, says so to whoever commits next, and holds nothing more', async () => {
  const { run, lease, store } = await claimedRun();
  // A writer fenced at the wrong sequence number: its first commit fails, as a lost lease's does.
  const writer = createJournalWriter({ store: store, runId: run.id, epoch: lease.epoch, lastSeq: 7, now: () => new Date() });
  const held = writer.hold([{ type: 'run-waiting', reason: 'human' }], undefined, { flushWithinMs: 5 });
  await expect(held).rejects.toMatchObject({ code: 'LEASE_LOST' });
  await expect(writer.commitHeld()).rejects.toMatchObject({ code: 'LEASE_LOST' });
  await expect(writer.hold([{ type: 'run-resume', reason: 'human' }], undefined, { flushWithinMs: 60_000 })).rejects.toMatchObject({ code: 'LEASE_LOST' });
  writer.close();
  expect((await store.readJournal(run.id)).map((entry) => entry.type)).toEqual(['run-start']);
});

it('commits a held commit by the earliest deadline asked for, not a later one set before it', async () => {
  const { run, lease, store } = await claimedRun();
  const writer = createJournalWriter({ store: store, runId: run.id, epoch: lease.epoch, lastSeq: 1, now: () => new Date() });
  writer.defer([{ type: 'step-start', step: 1, attempt: 1 }], { flushWithinMs: 600_000 });
  await writer.hold([{ type: 'run-waiting', reason: 'human' }], undefined, { flushWithinMs: 5 });
  writer.close();
  expect((await store.readJournal(run.id)).map((entry) => entry.type)).toEqual(['run-start', 'step-start', 'run-waiting']);
});

describe('held commits on a store whose commits take a while (as PostgreSQL does)', () => {
  const step = (n: number): JournalEvent => ({ type: 'step-start', step: n, attempt: 1 });
  const steps = async (runId: string) =>
    (await (harness as TestRuntime).store.readJournal(runId)).flatMap((entry) => (entry.type === 'step-start' ? [entry.step] : []));

  async function slowWriter(record?: (cost: number | undefined) => void) {
    const { run, lease, store } = await claimedRun();
    const slow = slowAppends(store);
    const writing: Store =
      record === undefined ? slow : { ...slow, append: (fence, events, patch) => (record(patch?.costNanoUsd), slow.append(fence, events, patch)) };
    return { runId: run.id, writer: createJournalWriter({ store: writing, runId: run.id, epoch: lease.epoch, lastSeq: 1, now: () => new Date() }) };
  }

  it('keeps a response held while the one before it is still committing ahead of what its tools defer', async () => {
    const { runId, writer } = await slowWriter();
    void writer.hold([step(1)], undefined, { flushWithinMs: 60_000 });
    const first = writer.commitHeld(); // in flight for a while
    void writer.hold([step(2)], undefined, { flushWithinMs: 60_000 }); // the next answer came first
    writer.defer([step(3)]); // its read tool's marker
    await first;
    const second = writer.commitHeld();
    await second;
    writer.close();
    expect(await steps(runId)).toEqual([1, 2, 3]);
  });

  it('commits a held response queued while another commits with the plain append behind it, never with the one before', async () => {
    const costs: Array<number | undefined> = [];
    const { runId, writer } = await slowWriter((cost) => costs.push(cost));
    void writer.hold([step(1)], { costNanoUsd: 1 }, { flushWithinMs: 60_000 });
    const first = writer.commitHeld();
    const second = writer.hold([step(2)], { costNanoUsd: 2 }, { flushWithinMs: 60_000 });
    const third = writer.append([step(3)], { costNanoUsd: 3 });
    await Promise.all([first, second, third]);
    writer.close();
    expect(costs).toEqual([1, 3]);
    expect(await steps(runId)).toEqual([1, 2, 3]);
  });

  it('lets each held response go on its own account: one let go is not used up by another', async () => {
    const { runId, writer } = await slowWriter();
    void writer.hold([step(1)], undefined, { flushWithinMs: 60_000 });
    void writer.commitHeld();
    void writer.hold([step(2)], undefined, { flushWithinMs: 60_000 });
    void writer.hold([step(3)], undefined, { flushWithinMs: 60_000 });
    await writer.commitHeld();
    expect(await steps(runId)).toEqual([1, 2, 3]);
    writer.close();
  });

  it('keeps the deadline of events deferred while commits queued before them are still on their way', async () => {
    const { runId, writer } = await slowWriter();
    void writer.append([step(1)]);
    void writer.append([step(2)]);
    writer.defer([step(3)], { flushWithinMs: 50 });
    // Both appends take 20 ms each; the deferred step is committed by its own deadline, after them.
    await until(async () => (await steps(runId)).length === 3);
    expect(await steps(runId)).toEqual([1, 2, 3]);
    writer.close();
  });

  it('never commits two ledger rows in one transaction, however the appends queue up', async () => {
    const { runId, writer } = await slowWriter();
    void writer.append([step(1)]); // in flight while the next two queue up
    const second = writer.append([step(2)], { usageEntry: ledgerRow(2) });
    const third = writer.append([step(3)], { usageEntry: ledgerRow(3) });
    await Promise.all([second, third]);
    writer.close();
    expect(await steps(runId)).toEqual([1, 2, 3]);
    expect(await (harness as TestRuntime).store.queryUsage({ tenantId: 'default', groupBy: 'agent' })).toMatchObject([{ calls: 2, inputTokens: 5 }]);
  });

  it('resolves commitHeld only once the last response held is durable', async () => {
    const { runId, writer } = await slowWriter();
    void writer.hold([step(1)], undefined, { flushWithinMs: 60_000 });
    void writer.commitHeld();
    void writer.hold([step(2)], undefined, { flushWithinMs: 60_000 });
    await writer.commitHeld();
    expect(await steps(runId)).toEqual([1, 2]);
    writer.close();
  });
});

it("keeps a held commit's deadline when appends queued just before it commit first", async () => {
  const { run, lease, store } = await claimedRun();
  const writer = createJournalWriter({ store: store, runId: run.id, epoch: lease.epoch, lastSeq: 1, now: () => new Date() });
  void writer.append([{ type: 'step-start', step: 1, attempt: 1 }]);
  void writer.append([{ type: 'step-start', step: 2, attempt: 1 }]);
  await writer.hold([{ type: 'run-waiting', reason: 'human' }], undefined, { flushWithinMs: 5 });
  writer.close();
  expect((await store.readJournal(run.id)).map((entry) => entry.type)).toEqual(['run-start', 'step-start', 'step-start', 'run-waiting']);
});
