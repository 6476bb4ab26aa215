import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Model, ModelRequest } from '../gateway/model.ts';
import { sleep } from '../internal/sleep.ts';
import type { JournalEntry, ToolEffect } from '../journal/events.ts';
import { defineAgent } from '../sdk/define-agent.ts';
import { defineTool } from '../sdk/define-tool.ts';
import { scriptedModel, type ScriptedModel } from '../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../testing/test-runtime.ts';
import type { Store } from '../store/store.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { createPostgresStore } from '../store/postgres/postgres-store.ts';
import { describePostgres, testDatabaseUrl } from '../store/postgres/postgres-test-database.ts';

/*
 * A model response whose tool calls are all `read` calls is committed while the next model call
 * is in flight, not before it (ADR 0029): its commit is off the turn's path. These tests look at
 * the store, the only place that says what is durable, at the moment each model call begins and
 * again while it is in flight.
 */

let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const label = (entry: JournalEntry): string => ('step' in entry ? `${entry.type} ${String(entry.step)}` : entry.type);

interface Watched {
  model: Model;
  /** Per model call: the run's journal in the store as the call began, and while it was in flight. */
  atStart: string[][];
  inFlight: string[][];
}

/**
 * The scripted model, answering over I/O as a provider does (after `workMs`), with the store
 * read as each call begins and once more just before it answers.
 */
function watched(script: ScriptedModel, store: () => Store, workMs: number): Watched {
  const atStart: string[][] = [];
  const inFlight: string[][] = [];
  const read = async (request: ModelRequest) => (await store().readJournal(request.call?.runId ?? '')).map(label);
  return {
    atStart,
    inFlight,
    model: {
      provider: script.provider,
      modelId: script.modelId,
      async generate(request) {
        // The embedded store reads synchronously: this is the journal as the call begins.
        const began = read(request);
        if (workMs > 0) await sleep(workMs);
        atStart.push(await began);
        inFlight.push(await read(request));
        return await script.generate(request);
      },
    },
  };
}

function recordTool(effect: ToolEffect, execute: () => Promise<unknown> | unknown = () => ({ id: 1 })) {
  return defineTool({ name: 'get_record', description: 'Reads a record', input: z.object({ id: z.number() }), effect, execute });
}

const twoToolTurns = () =>
  scriptedModel([
    { toolCalls: [{ name: 'get_record', arguments: { id: 1 } }] },
    { toolCalls: [{ name: 'get_record', arguments: { id: 2 } }] },
    { text: 'Done.' },
  ]);

/** The journal as it reads when every turn commits before the next model call: the order holding must keep. */
const sequentialJournal = [
  'run-start',
  'step-start 1',
  'model-response 1',
  'usage-update',
  'tool-call 1',
  'tool-start 1',
  'tool-result 1',
  'step-start 2',
  'model-response 2',
  'usage-update',
  'tool-call 2',
  'tool-start 2',
  'tool-result 2',
  'step-start 3',
  'model-response 3',
  'usage-update',
  'run-end',
];

describe('a response whose tool calls all read', () => {
  it('commits while the next model call is in flight, in the order a commit per turn would have made', async () => {
    const script = twoToolTurns();
    const model = watched(script, () => store(), 15);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'reader', model: model.model, instructions: 'Read.', tools: [recordTool('read')] })] });
    const store = () => (harness as TestRuntime).store;
    const run = await harness.runtime.run({ agent: 'reader', input: 'go' });
    expect(run.status).toBe('completed');
    script.assertConsumed();

    // The second call began before the first response was durable, and it was durable while that call was in flight.
    expect(model.atStart[1]).not.toContain('model-response 1');
    expect(model.inFlight[1]).toEqual(sequentialJournal.slice(0, 8));
    expect(model.atStart[2]).not.toContain('model-response 2');
    expect(model.inFlight[2]).toEqual(sequentialJournal.slice(0, 14));
    expect((await store().readJournal(run.id)).map(label)).toEqual(sequentialJournal);
    // The ledger has one row per call: no response's usage was merged into another's commit.
    expect(await store().queryUsage({ tenantId: 'default', groupBy: 'agent' })).toMatchObject([{ key: 'reader', calls: 3, inputTokens: 30, outputTokens: 15 }]);
  });

  it('is durable within milliseconds when its tool takes longer, so followers see the call while the tool works', async () => {
    const script = scriptedModel([{ toolCalls: [{ name: 'get_record', arguments: { id: 1 } }] }, { text: 'Done.' }]);
    const model = watched(script, () => store(), 15);
    let duringTool: string[] = [];
    const slowRead = recordTool('read', async () => {
      await sleep(150);
      duringTool = (await store().readJournal(runId)).map(label);
      return { id: 1 };
    });
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'reader', model: model.model, instructions: 'Read.', tools: [slowRead] })] });
    const store = () => (harness as TestRuntime).store;
    const { run: started } = await harness.runtime.startRun({ agent: 'reader', input: 'go' });
    const runId = started.id;
    expect((await harness.runtime.executeRun(runId)).status).toBe('completed');
    expect(duringTool).toEqual(['run-start', 'step-start 1', 'model-response 1', 'usage-update', 'tool-call 1', 'tool-start 1']);
  });
});

describe('a response that is committed before anything else runs', () => {
  it('is one with an unsafe call: its intent is durable before the call runs', async () => {
    const script = twoToolTurns();
    const model = watched(script, () => store(), 15);
    const intents: string[][] = [];
    const unsafe = recordTool('unsafe', async () => {
      intents.push((await store().readJournal(runId)).map(label));
      return { id: 1 };
    });
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'writer', model: model.model, instructions: 'Write.', tools: [unsafe] })] });
    const store = () => (harness as TestRuntime).store;
    const { run: started } = await harness.runtime.startRun({ agent: 'writer', input: 'go' });
    const runId = started.id;
    expect((await harness.runtime.executeRun(runId)).status).toBe('completed');
    expect(intents[0]).toEqual(['run-start', 'step-start 1', 'model-response 1', 'usage-update', 'tool-call 1', 'tool-start 1']);
    expect(model.atStart[1]).toContain('tool-result 1');
  });

  it("is one a budget checked: a crash must not lose a cost the run's own cap counts", async () => {
    const script = scriptedModel(
      [{ toolCalls: [{ name: 'get_record', arguments: { id: 1 } }] }, { toolCalls: [{ name: 'get_record', arguments: { id: 2 } }] }, { text: 'Done.' }],
      { provider: 'openai', modelId: 'gpt-4o-mini' },
    );
    const model = watched(script, () => store(), 15);
    harness = await createTestRuntime({
      agents: [defineAgent({ name: 'capped', model: model.model, instructions: 'Read.', tools: [recordTool('read')], budget: { perRunUsd: 5 } })],
    });
    const store = () => (harness as TestRuntime).store;
    const run = await harness.runtime.run({ agent: 'capped', input: 'go' });
    expect(run.status).toBe('completed');
    expect(model.atStart[1]).toEqual(sequentialJournal.slice(0, 5));
    expect(model.atStart[2]).toEqual(sequentialJournal.slice(0, 11));
  });

  it('is one whose model answered within the same turn of the event loop (in-process): nothing to overlap', async () => {
    const script = twoToolTurns();
    const model = watched(script, () => store(), 0);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'reader', model: model.model, instructions: 'Read.', tools: [recordTool('read')] })] });
    const store = () => (harness as TestRuntime).store;
    const run = await harness.runtime.run({ agent: 'reader', input: 'go' });
    expect(run.status).toBe('completed');
    expect(model.atStart[1]).toEqual(sequentialJournal.slice(0, 5));
    expect((await store().readJournal(run.id)).map(label)).toEqual(sequentialJournal);
  });
});

/** A fresh SQLite store, with the events of every append noted in `commits`, one list per transaction. */
function recordingStore(): { store: Store; commits: string[][]; close: () => void } {
  const directory = mkdtempSync(join(tmpdir(), 'keel-held-'));
  const inner = createSqliteStore({ path: join(directory, 'keel.db') });
  const commits: string[][] = [];
  return {
    store: {
      ...inner,
      append: (fence, events, patch) => {
        commits.push(events.map((event) => ('step' in event ? `${event.type} ${String(event.step)}` : event.type)));
        return inner.append(fence, events, patch);
      },
    },
    commits,
    close: () => rmSync(directory, { recursive: true, force: true }),
  };
}

describe('an answer without tool calls (ADR 0030)', () => {
  let recorded: ReturnType<typeof recordingStore> | undefined;
  afterEach(async () => {
    // The store is closed before its files go.
    await harness?.close();
    harness = undefined;
    recorded?.close();
    recorded = undefined;
  });

  it.each([
    { case: 'over I/O', workMs: 5 },
    { case: 'in-process', workMs: 0 },
  ])("commits with the run's end, in one transaction ($case)", async ({ workMs }) => {
    recorded = recordingStore();
    const script = scriptedModel([{ toolCalls: [{ name: 'get_record', arguments: { id: 1 } }] }, { text: 'Done.' }]);
    const model = watched(script, () => (harness as TestRuntime).store, workMs);
    harness = await createTestRuntime({
      store: recorded.store,
      agents: [defineAgent({ name: 'reader', model: model.model, instructions: 'Read.', tools: [recordTool('read')] })],
    });
    const run = await harness.runtime.run({ agent: 'reader', input: 'go' });
    expect(run.status).toBe('completed');
    // What was deferred before it may lead the transaction (the read tool's marker and result, the step's start).
    expect(recorded.commits.at(-1)?.slice(-3)).toEqual(['model-response 2', 'usage-update', 'run-end']);
    expect((await harness.store.readJournal(run.id)).map(label)).toEqual([...sequentialJournal.slice(0, 8), 'model-response 2', 'usage-update', 'run-end']);
    // Each model call keeps its own ledger row.
    expect(await harness.store.queryUsage({ tenantId: 'default', groupBy: 'agent' })).toMatchObject([{ key: 'reader', calls: 2 }]);
  });

  it('commits with the repair request when the answer fails its output schema', async () => {
    recorded = recordingStore();
    const script = scriptedModel([{ text: 'not json' }, { text: '{"ok":true}' }]);
    harness = await createTestRuntime({
      store: recorded.store,
      agents: [defineAgent({ name: 'typed', model: script, instructions: 'Answer.', output: z.object({ ok: z.boolean() }) })],
    });
    const run = await harness.runtime.run({ agent: 'typed', input: 'go' });
    expect(run.status).toBe('completed');
    expect(recorded.commits).toContainEqual(['step-start 1', 'model-response 1', 'usage-update', 'output-rejected 1']);
    expect(recorded.commits.at(-1)).toEqual(['step-start 2', 'model-response 2', 'usage-update', 'run-end']);
  });

  it('is committed before the run ends when a budget checked its call', async () => {
    recorded = recordingStore();
    const script = scriptedModel([{ text: 'Done.' }], { provider: 'openai', modelId: 'gpt-4o-mini' });
    harness = await createTestRuntime({
      store: recorded.store,
      agents: [defineAgent({ name: 'capped', model: script, instructions: 'Answer.', budget: { perRunUsd: 5 } })],
    });
    const run = await harness.runtime.run({ agent: 'capped', input: 'go' });
    expect(run.status).toBe('completed');
    expect(recorded.commits.slice(-2)).toEqual([['step-start 1', 'model-response 1', 'usage-update'], ['run-end']]);
  });
});

await describePostgres('a response whose tool calls all read, on PostgreSQL', (schemas) => {
  it.each([
    // Slow read tools (past the 10 ms deadline) and a model slower still: held commits are
    // flushed by their deadline while a tool runs, and by the next call.
    { case: 'slow tools', workMs: 30, toolMs: 20 },
    // A model about as quick as a commit: the next answer can arrive while the held commit before
    // it is still on its way to the database (journal-writer.test.ts makes that happen for sure).
    { case: 'a quick model', workMs: 1, toolMs: 0 },
    // A tool past the deadline, then a quick model: the next answer can arrive while the
    // deadline's commit is still on its way, and its tool then defers its marker.
    { case: 'a slow tool, then a quick model', workMs: 1, toolMs: 15 },
  ])('keeps the order and one ledger row per call where every commit awaits a round trip ($case)', async ({ workMs, toolMs }) => {
    const script = twoToolTurns();
    const model = watched(script, () => store(), workMs);
    const slowRead = recordTool('read', async () => {
      if (toolMs > 0) await sleep(toolMs);
      return { id: 1 };
    });
    const postgres = createPostgresStore({ connectionString: testDatabaseUrl, schema: await schemas.create() });
    harness = await createTestRuntime({
      store: postgres,
      agents: [defineAgent({ name: 'reader', model: model.model, instructions: 'Read.', tools: [slowRead] })],
    });
    const store = () => (harness as TestRuntime).store;
    const run = await harness.runtime.run({ agent: 'reader', input: 'go' });
    expect(run.status).toBe('completed');
    script.assertConsumed();
    expect((await store().readJournal(run.id)).map(label)).toEqual(sequentialJournal);
    expect(await store().queryUsage({ tenantId: 'default', groupBy: 'agent' })).toMatchObject([{ key: 'reader', calls: 3, inputTokens: 30, outputTokens: 15 }]);
  });
});
