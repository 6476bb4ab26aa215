import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../sdk/define-agent.ts';
import { defineTool } from '../sdk/define-tool.ts';
import type { Store } from '../store/store.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { createPostgresStore } from '../store/postgres/postgres-store.ts';
import { describePostgres, testDatabaseUrl } from '../store/postgres/postgres-test-database.ts';
import { scriptedModel } from '../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../testing/test-runtime.ts';
import { freshJournal } from './run-start.ts';

let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function fail(): never {
  throw new Error('the caller could not take it');
}

/** The store, counting `readJournal` and `claimRun` calls. */
function counting(store: Store): { store: Store; reads: () => number; claims: () => number } {
  let reads = 0;
  let claims = 0;
  return {
    store: {
      ...store,
      readJournal: (runId, options) => ((reads += 1), store.readJournal(runId, options)),
      claimRun: (runId, options) => ((claims += 1), store.claimRun(runId, options)),
    },
    reads: () => reads,
    claims: () => claims,
  };
}

const lookup = defineTool({ name: 'lookup', description: 'Looks up', input: z.object({ id: z.number() }), effect: 'read', execute: ({ id }) => ({ id }) });

/** Runs without metadata, with none in an object and with some: the journal each fresh run is folded from is the store's own. */
async function expectFreshJournalsAsStored(store: Store): Promise<void> {
  await store.migrate();
  for (const [name, metadata] of [
    ['plain', undefined],
    ['empty', {}],
    ['meta', { ticket: 'T-1', nested: { a: [1, 2] } }],
  ] as const) {
    const { run } = await store.createRun({
      id: `run_${name}`,
      tenantId: 'default',
      agent: 'support',
      sessionId: `ses_${name}`,
      userId: 'ada',
      input: 'Where is my order?',
      ...(metadata === undefined ? {} : { metadata }),
      sessionPolicy: 'queue',
      now: new Date(),
    });
    expect(freshJournal(run)).toStrictEqual(await store.readJournal(run.id));
  }
}

describe('a fresh run', () => {
  it("is folded from its record: its journal is the store's own run-start, exactly", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-run-start-'));
    const store = createSqliteStore({ path: join(directory, 'keel.db') });
    try {
      await expectFreshJournalsAsStored(store);
    } finally {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('is claimed as it is created by runtime.run, and executes without reading its journal back', async () => {
    const model = scriptedModel([{ toolCalls: [{ name: 'lookup', arguments: { id: 1 } }] }, { text: 'Found it.' }]);
    const agent = defineAgent({ name: 'support', model, instructions: 'Help.', tools: [lookup] });
    const directory = mkdtempSync(join(tmpdir(), 'keel-run-start-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    const counted = counting(createSqliteStore({ path: join(directory, 'keel.db') }));
    harness = await createTestRuntime({ agents: [agent], store: counted.store });
    const run = await harness.runtime.run({ agent: 'support', input: 'Find order 1' });
    expect(run.status).toBe('completed');
    expect(counted.reads()).toBe(0);
    expect(counted.claims()).toBe(0);

    // A run with more than its start written is not fresh: its execution folds the store's journal.
    expect(freshJournal({ ...run, lastSeq: 2 })).toBeUndefined();
  });
});

describe('runtime.run', () => {
  it('hands the run over once it is stored and before it executes, and a failing callback leaves it to a worker', async () => {
    const model = scriptedModel([{ text: 'Done.' }, { text: 'Done again.' }]);
    const agent = defineAgent({ name: 'support', model, instructions: 'Help.' });
    harness = await createTestRuntime({ agents: [agent] });
    const { runtime, store } = harness;
    const seen: string[] = [];
    const run = await runtime.run({ agent: 'support', input: 'one' }, { onStarted: (started) => seen.push(`${started.id} ${started.lastSeq}`) });
    expect(run.status).toBe('completed');
    expect(seen).toEqual([`${run.id} 1`]);

    let failed = '';
    const refusal = runtime.run(
      { agent: 'support', input: 'two' },
      {
        onStarted: (started) => {
          failed = started.id;
          throw new Error('the caller could not take it');
        },
      },
    );
    await expect(refusal).rejects.toThrow('the caller could not take it');
    // Not leased to anybody: claimable at once by another node, and executed by whoever claims it.
    const lease = await store.claimRun(failed, { owner: 'another-node', leaseMs: 30_000, now: new Date() });
    expect(lease).toBeDefined();
    await store.releaseLease(failed, lease?.epoch ?? 0);
    expect((await runtime.executeRun(failed)).status).toBe('completed');
  });

  it('wakes an idle worker of this process when the callback fails, rather than leaving the run to its next poll', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-run-start-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    const inner = createSqliteStore({ path: join(directory, 'keel.db') });
    let idle: () => void = () => undefined;
    const claimedNothing = new Promise<void>((resolve) => (idle = resolve));
    const store: Store = {
      ...inner,
      claimRunnable: async (claim) => {
        const leases = await inner.claimRunnable(claim);
        if (leases.length === 0) idle();
        return leases;
      },
    };
    const model = scriptedModel([{ text: 'Taken by the worker.' }]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'support', model, instructions: 'Help.' })], store });
    const { runtime } = harness;
    // It polls once an hour: only a wake-up brings it back within the test's time.
    const worker = runtime.startWorker({ pollIntervalMs: 3_600_000 });
    onTestFinished(() => worker.stop());
    await claimedNothing;

    let failed = '';
    const refusal = runtime.run({ agent: 'support', input: 'one' }, { onStarted: (started) => ((failed = started.id), fail()) });
    await expect(refusal).rejects.toThrow('the caller could not take it');
    // Fails fast, and says so, when no wake-up comes.
    const done = await runtime.waitForRun(failed, { signal: AbortSignal.timeout(10_000) });
    expect(done.status).toBe('completed');
    expect(done.output).toBe('Taken by the worker.');
  });

  it('runs a run it cannot claim at once (queued behind its session) in its turn', async () => {
    const model = scriptedModel([{ text: 'First.' }, { text: 'Second.' }]);
    const agent = defineAgent({ name: 'support', model, instructions: 'Help.' });
    harness = await createTestRuntime({ agents: [agent] });
    const { runtime } = harness;
    const { run: first } = await runtime.startRun({ agent: 'support', input: 'one', sessionId: 'ses_shared' });
    const second = runtime.run({ agent: 'support', input: 'two', sessionId: 'ses_shared' });
    expect((await runtime.executeRun(first.id)).status).toBe('completed');
    const done = await second;
    expect(done.status).toBe('completed');
    expect(done.output).toBe('Second.');
  });
});

await describePostgres('a fresh run on PostgreSQL', (schemas) => {
  it("is folded from its record: its journal is the store's own run-start, exactly", async () => {
    const store = createPostgresStore({ connectionString: testDatabaseUrl, schema: await schemas.create() });
    try {
      await expectFreshJournalsAsStored(store);
    } finally {
      await store.close();
    }
  });
});
