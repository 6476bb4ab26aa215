import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Model, ModelRequest, ModelResponse } from '../../src/gateway/model.ts';
import type { JournalEntry } from '../../src/journal/events.ts';
import { createRuntime } from '../../src/keel.ts';
import type { Runtime } from '../../src/engine/runtime-types.ts';
import { defineAgent, type AgentDefinition } from '../../src/sdk/define-agent.ts';
import { defineConfig } from '../../src/sdk/define-config.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { refundOnceApproved } from './refund-tool.ts';

/**
 * A follower in the process that executes a run takes what is committed from memory. Once a run
 * has ended, its session may be erased, which rewrites the journal in the store: from then on a
 * follower must get the erased journal, never text held in memory that it had not been handed
 * before the erasure.
 */
const secret = { answer: 'ERASE-ME-ANSWER', note: 'ERASE-ME-NOTE', reason: 'ERASE-ME-REASON', query: 'ERASE-ME-QUERY' };
const usage = { inputTokens: 3, outputTokens: 2, cachedTokens: 0 };

/** A gate the test opens: `wait` resolves once `open` is called. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** A model that asks for one `toolName` call, then (once `beforeAnswer` resolves) answers `secret.answer`. */
function oneToolThenAnswer(toolName: string, toolArguments: unknown, beforeAnswer: Promise<void> = Promise.resolve()): Model {
  return {
    provider: 'test',
    modelId: 'one-tool',
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const base = { usage, modelId: 'one-tool', provider: 'test' };
      if (!request.messages.some((message) => message.role === 'tool')) {
        return { ...base, text: '', toolCalls: [{ callId: 'call_1', toolName, arguments: JSON.stringify(toolArguments) }], finishReason: 'tool-calls' };
      }
      await beforeAnswer;
      return { ...base, text: `${secret.answer}: done`, toolCalls: [], finishReason: 'stop' };
    },
  };
}

const lookup = defineTool({
  name: 'lookup',
  description: 'Look it up',
  input: z.object({ query: z.string() }),
  effect: 'read',
  execute: () => ({ found: 'yes' }),
});

describe('followers after a session is erased', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function storeAt(path: string): Promise<Store> {
    const store = createSqliteStore({ path });
    await store.migrate();
    cleanups.push(() => store.close());
    return store;
  }

  function databasePath(): string {
    const directory = mkdtempSync(join(tmpdir(), 'keel-followers-erased-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    return join(directory, 'keel.db');
  }

  /** Two processes' runtimes, as two nodes over one database: `here` follows, `there` takes over. */
  function twoNodes(agent: AgentDefinition, stores: { here: Store; there: Store }, leaseMs?: number): { here: Runtime; there: Runtime } {
    const config = defineConfig({ agents: [agent] });
    const options = { config, logger: createSilentLogger(), env: {}, ...(leaseMs === undefined ? {} : { leaseMs }) };
    const here = createRuntime({ ...options, store: stores.here });
    const there = createRuntime({ ...options, store: stores.there });
    cleanups.push(
      () => here.close(),
      () => there.close(),
    );
    return { here, there };
  }

  /** A follower that stays on the run: it takes every entry and holds the first that `holds` picks until let go. */
  function stayOn(
    runtime: Runtime,
    runId: string,
    holds: (entry: JournalEntry) => boolean,
  ): { taken: JournalEntry[]; holding: Promise<void>; letGo: () => void; done: Promise<void> } {
    const holding = gate();
    const released = gate();
    const taken: JournalEntry[] = [];
    const done = (async () => {
      for await (const entry of runtime.events(runId)) {
        taken.push(entry);
        if (holds(entry)) {
          holding.open();
          await released.wait;
        }
      }
    })();
    return { taken, holding: holding.wait, letGo: released.open, done };
  }

  it('gives a follower whose reader fell behind the erased end, not the end it was committed with', async () => {
    const store = await storeAt(databasePath());
    const answer = gate();
    const agent = defineAgent({ name: 'helper', model: oneToolThenAnswer('lookup', { query: 'q' }, answer.wait), instructions: 'Help.', tools: [lookup] });
    const runtime = createRuntime({ config: defineConfig({ agents: [agent] }), store, logger: createSilentLogger(), env: {} });
    cleanups.push(() => runtime.close());
    const { run } = await runtime.startRun({ agent: 'helper', input: 'Look it up', userId: 'ana', sessionId: 'private' });

    // The reader takes the run's start, then holds the first entry it is handed after it until let go.
    const reader = stayOn(runtime, run.id, (entry) => entry.seq === 2);
    const executing = runtime.executeRun(run.id);
    // The first turn is committed while the second model call is in flight: the follower has been handed it.
    await reader.holding;
    answer.open();
    expect((await executing).status).toBe('completed');
    expect(await store.deleteSession('default', 'private')).toBe(true);
    reader.letGo();
    await reader.done;
    const taken = reader.taken;

    // What it had been handed before the erasure (the first turn) it still yields as it was, as a
    // page read from the store before the erasure would be; what comes after is the erased journal.
    const stored = await store.readJournal(run.id);
    expect(taken.map((entry) => entry.seq)).toEqual(stored.map((entry) => entry.seq));
    expect(JSON.stringify(taken)).not.toContain(secret.answer);
    expect(taken.at(-1)).toEqual(stored.at(-1));
  });

  it('gives the erased journal to a follower here of a run that parked and was decided here, then ended in another process', async () => {
    const path = databasePath();
    const here = await storeAt(path);
    const there = await storeAt(path);
    const agent = defineAgent({
      name: 'helper',
      model: oneToolThenAnswer('refund', { note: secret.note }),
      instructions: 'Help.',
      tools: [refundOnceApproved],
    });
    const { here: runtimeHere, there: runtimeThere } = twoNodes(agent, { here, there });
    const { run } = await runtimeHere.startRun({ agent: 'helper', input: 'Refund me', userId: 'ana', sessionId: 'private' });

    // A follower here that stays on the run, holding the entry that parks it.
    const staying = stayOn(runtimeHere, run.id, (entry) => entry.type === 'run-waiting');
    expect((await runtimeHere.executeRun(run.id)).status).toBe('waiting');
    await staying.holding;

    const [approval] = (await here.listApprovals('default', { runId: run.id })).approvals;
    await runtimeHere.decideApproval(
      approval!.id,
      { decision: 'approve', reason: secret.reason },
      { tenantId: 'default', actor: { kind: 'cli', name: 'rita' } },
    );
    expect((await runtimeThere.executeRun(run.id)).status).toBe('completed');
    expect(await there.deleteSession('default', 'private')).toBe(true);

    // Late followers here, from the start and from the entry that parked the run.
    const stored = await here.readJournal(run.id);
    const parkedAt = stored.find((entry) => entry.type === 'run-waiting')?.seq ?? 0;
    for (const afterSeq of [1, parkedAt]) {
      const late: JournalEntry[] = [];
      for await (const entry of runtimeHere.events(run.id, { afterSeq })) late.push(entry);
      expect(late).toEqual(stored.filter((entry) => entry.seq > afterSeq));
      expect(JSON.stringify(late)).not.toContain(secret.note);
      expect(JSON.stringify(late)).not.toContain(secret.reason);
    }
    // The follower that stayed on: what it takes after the erasure is the erased journal too.
    staying.letGo();
    await staying.done;
    expect(staying.taken.filter((entry) => entry.seq > parkedAt)).toEqual(stored.filter((entry) => entry.seq > parkedAt));
  });

  it('gives the erased journal to a follower here of a run whose lease this process lost while its execution was stuck', async () => {
    const path = databasePath();
    const base = await storeAt(path);
    const there = await storeAt(path);
    // This process's heartbeats hang until the test lets them through: its lease runs out meanwhile.
    const heartbeats = gate();
    const heartbeatAnswered = gate();
    const here: Store = {
      ...base,
      renewLeases: async (...args) => {
        await heartbeats.wait;
        const renewed = await base.renewLeases(...args);
        heartbeatAnswered.open();
        return renewed;
      },
    };
    // The first call of the tool (this process's) hangs, deaf to its signal; the next one answers.
    const toolEntered = gate();
    const toolReleased = gate();
    let calls = 0;
    const stuckOnce = defineTool({
      name: 'lookup',
      description: 'Look it up',
      input: z.object({ query: z.string() }),
      effect: 'read',
      execute: async () => {
        calls += 1;
        if (calls === 1) {
          toolEntered.open();
          await toolReleased.wait;
        }
        return { found: 'yes' };
      },
    });
    const agent = defineAgent({ name: 'helper', model: oneToolThenAnswer('lookup', { query: secret.query }), instructions: 'Help.', tools: [stuckOnce] });
    const { here: runtimeHere, there: runtimeThere } = twoNodes(agent, { here, there }, 300);
    const { run } = await runtimeHere.startRun({ agent: 'helper', input: 'Look it up', userId: 'ana', sessionId: 'private' });

    // A follower here that stays on the run, holding the tool call.
    const staying = stayOn(runtimeHere, run.id, (entry) => entry.type === 'tool-call');
    const stuck = runtimeHere.executeRun(run.id);
    // Let everything go on any outcome, before the runtimes close (cleanups run last first).
    cleanups.push(async () => {
      heartbeats.open();
      toolReleased.open();
      staying.letGo();
      await Promise.allSettled([stuck, staying.done]);
    });
    await Promise.all([toolEntered.wait, staying.holding]);

    // The other process takes the run over once the lease has run out, and ends it; the session is erased.
    expect((await runtimeThere.executeRun(run.id)).status).toBe('completed');
    expect(await there.deleteSession('default', 'private')).toBe(true);
    // This process learns at its next heartbeat that its lease is lost; its execution is still stuck.
    heartbeats.open();
    await heartbeatAnswered.wait;
    await new Promise((resolve) => setImmediate(resolve));

    const stored = await base.readJournal(run.id);
    const late: JournalEntry[] = [];
    for await (const entry of runtimeHere.events(run.id, { afterSeq: 1 })) late.push(entry);
    expect(late).toEqual(stored.slice(1));
    expect(JSON.stringify(late)).not.toContain(secret.query);

    toolReleased.open();
    staying.letGo();
    await Promise.all([stuck, staying.done]);
  });
});
