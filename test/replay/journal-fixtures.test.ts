import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JournalEntry, JournalEvent } from '../../src/journal/events.ts';
import { foldJournal, runMessages } from '../../src/engine/fold.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';

/**
 * Journals written by earlier versions of Keel (`test/fixtures/journals/v<N>/`, never rewritten)
 * must keep loading and resuming in every later version.
 */
interface Fixture {
  run: { id: string; agent: string; status: string; output: unknown; error: unknown; usage: unknown };
  journal: JournalEntry[];
}

const root = join(import.meta.dirname, '../fixtures/journals');
const fixtures = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((version) => readdirSync(join(root, version.name)).map((file) => ({ name: `${version.name}/${file}`, path: join(root, version.name, file) })));

function load(path: string): Fixture {
  return JSON.parse(readFileSync(path, 'utf8')) as Fixture;
}

describe('journal fixtures of earlier versions', () => {
  it('exist', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(3);
  });

  for (const fixture of fixtures) {
    it(`folds ${fixture.name} to the outcome it recorded`, () => {
      const { run, journal } = load(fixture.path);
      const state = foldJournal(journal);
      expect(state.end?.status).toBe(run.status);
      expect(state.end?.output ?? null).toEqual(run.output);
      expect(state.end?.error ?? null).toEqual(run.error);
      expect(state.usage).toEqual(run.usage);
      expect(runMessages(state)[0]).toEqual({ role: 'user', content: `fixture input for ${run.agent}` });
    });
  }
});

let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

it('resumes a v1 journal cut after its first tool result, without repeating what it recorded', async () => {
  const { journal } = load(join(root, 'v1/support.json'));
  const cut = journal.findIndex((entry) => entry.type === 'tool-result') + 1;
  const executed: string[] = [];
  const lookup = defineTool({
    name: 'lookup_order',
    description: 'Find',
    input: z.object({ orderId: z.string() }),
    effect: 'read',
    execute: ({ orderId }) => (executed.push(`lookup ${orderId}`), { orderId }),
  });
  const refund = defineTool({
    name: 'issue_refund',
    description: 'Refund',
    input: z.object({ orderId: z.string(), amountUsd: z.number() }),
    effect: 'unsafe',
    execute: ({ orderId }) => (executed.push(`refund ${orderId}`), { refundId: 'r' }),
  });
  const model = scriptedModel([
    {
      expect: (request) => {
        // The recorded first turn and its tool result are replayed to the model, not re-run.
        expect(request.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool']);
      },
      toolCalls: [{ name: 'issue_refund', arguments: { orderId: '1001', amountUsd: 20 } }],
    },
    { text: 'Refunded.' },
  ]);
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'support', instructions: 'Help.', tools: [lookup, refund], model })] });
  const start = journal[0];
  if (start?.type !== 'run-start') throw new Error('fixture must start with run-start');
  await harness.store.createRun({
    id: 'run_replayed',
    tenantId: 'default',
    agent: start.agent,
    sessionId: start.sessionId,
    userId: start.userId,
    input: start.input,
    sessionPolicy: 'queue',
    now: new Date(),
  });
  const lease = await harness.store.claimRun('run_replayed', { owner: 'importer', leaseMs: 1_000, now: new Date() });
  if (lease === undefined) throw new Error('claim failed');
  const events = journal.slice(1, cut).map(({ seq: _seq, at: _at, v: _v, ...event }) => event as JournalEvent);
  await harness.store.append({ runId: 'run_replayed', epoch: lease.epoch, lastSeq: 1, now: new Date() }, events, { status: 'running' });
  await harness.store.releaseLease('run_replayed', lease.epoch);

  const worker = harness.runtime.startWorker({ untilIdle: true, pollIntervalMs: 5 });
  await worker.done;
  const run = await harness.runtime.getRun('run_replayed');
  expect(run.status).toBe('completed');
  expect(run.output).toBe('Refunded.');
  expect(executed).toEqual(['refund 1001']);
  model.assertConsumed();
});
