import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toolIdempotencyKey } from '../internal/ids.ts';
import { defineAgent } from '../sdk/define-agent.ts';
import { defineTool, type ReconcileResult } from '../sdk/define-tool.ts';
import { createFakeClock } from '../testing/fake-clock.ts';
import { scriptedModel, type ScriptStep } from '../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../testing/test-runtime.ts';
import type { JournalEvent, ToolEffect } from '../journal/events.ts';

/**
 * Journals as a crashed worker leaves them: a dead owner's lease that expires, and the journal
 * cut at a chosen point. The runtime must resume from exactly there.
 */
let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface Scenario {
  effect: ToolEffect;
  /** Events the dead worker managed to journal after the model asked for the tool. */
  cutAfter: 'tool-call' | 'tool-start' | 'model-call-started';
  reconcile?: ReconcileResult<unknown> | 'throws';
  script: ScriptStep[];
}

async function crashAndResume(scenario: Scenario) {
  const clock = createFakeClock();
  const executions: Array<{ key: string; attempt: number }> = [];
  const reconciles: string[] = [];
  const tool = defineTool({
    name: 'act',
    description: 'Acts',
    input: z.object({ n: z.number() }),
    effect: scenario.effect,
    execute: (_input, context) => {
      executions.push({ key: context.idempotencyKey, attempt: context.attempt });
      return { done: true };
    },
    ...(scenario.reconcile === undefined
      ? {}
      : {
          reconcile: async (_input, context) => {
            reconciles.push(context.idempotencyKey);
            if (scenario.reconcile === 'throws') throw new Error('ledger offline');
            return scenario.reconcile as ReconcileResult<unknown>;
          },
        }),
  });
  const model = scriptedModel(scenario.script);
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [tool] })], now: clock.now, leaseMs: 1_000 });
  const { run } = await harness.runtime.startRun({ agent: 'a', input: 'go' });

  // The dead worker's part of the story.
  const lease = await harness.store.claimRun(run.id, { owner: 'dead-worker', leaseMs: 1_000, now: clock.now() });
  if (lease === undefined) throw new Error('claim failed');
  const key = toolIdempotencyKey(run.id, 1, 'call_1');
  const events: JournalEvent[] = [{ type: 'step-start', step: 1, attempt: 1 }];
  if (scenario.cutAfter !== 'model-call-started') {
    events.push(
      {
        type: 'model-response',
        step: 1,
        text: '',
        toolCalls: [{ callId: 'call_1', toolName: 'act', arguments: '{"n":1}' }],
        finishReason: 'tool-calls',
        usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0 },
        provider: 'scripted',
        modelId: 'scripted',
        latencyMs: 1,
      },
      { type: 'tool-call', step: 1, callId: 'call_1', toolName: 'act', input: { n: 1 }, effect: scenario.effect, idempotencyKey: key },
    );
    if (scenario.cutAfter === 'tool-start') events.push({ type: 'tool-start', step: 1, callId: 'call_1', attempt: 1, startedAt: clock.now().toISOString() });
  }
  await harness.store.append({ runId: run.id, epoch: lease.epoch, lastSeq: 1, now: clock.now() }, events, { status: 'running' });

  // While the dead worker's lease is live, nobody takes the run over.
  expect(await harness.store.claimRunnable({ owner: 'x', leaseMs: 1_000, now: clock.now(), limit: 5 })).toEqual([]);
  clock.advance(1_001);
  const worker = harness.runtime.startWorker({ untilIdle: true, pollIntervalMs: 5 });
  await worker.done;
  model.assertConsumed();
  return { run: await harness.runtime.getRun(run.id), executions, reconciles, key, model, journal: await harness.store.readJournal(run.id) };
}

describe('resuming after a crash', () => {
  it('parks an interrupted unsafe call without reconcile as waiting: outcome-unknown and never re-runs it', async () => {
    const result = await crashAndResume({ effect: 'unsafe', cutAfter: 'tool-start', script: [] });
    expect(result.run.status).toBe('waiting');
    expect(result.run.waitingReason).toBe('outcome-unknown');
    expect(result.executions).toEqual([]);
    const waiting = result.journal.at(-1);
    expect(waiting?.type === 'run-waiting' ? waiting.details : undefined).toMatchObject({ calls: [{ callId: 'call_1', idempotencyKey: result.key }] });
  });

  it('settles an interrupted unsafe call through reconcile when the effect happened', async () => {
    const result = await crashAndResume({
      effect: 'unsafe',
      cutAfter: 'tool-start',
      reconcile: { status: 'completed', output: { refundId: 'r1' } },
      script: [{ text: 'Refunded.' }],
    });
    expect(result.run.status).toBe('completed');
    expect(result.executions).toEqual([]);
    expect(result.reconciles).toEqual([result.key]);
    const settled = result.journal.find((entry) => entry.type === 'tool-result');
    expect(settled).toMatchObject({ resolvedBy: 'reconcile', output: { refundId: 'r1' } });
  });

  it('runs an interrupted unsafe call once more when reconcile says it was not applied', async () => {
    const result = await crashAndResume({ effect: 'unsafe', cutAfter: 'tool-start', reconcile: { status: 'not-applied' }, script: [{ text: 'Done.' }] });
    expect(result.run.status).toBe('completed');
    expect(result.executions).toEqual([{ key: result.key, attempt: 2 }]);
  });

  it('parks the run when reconcile cannot tell', async () => {
    const unknown = await crashAndResume({ effect: 'unsafe', cutAfter: 'tool-start', reconcile: 'throws', script: [] });
    expect(unknown.run.waitingReason).toBe('outcome-unknown');
    expect(unknown.executions).toEqual([]);
  });

  it('runs an unsafe call whose start marker was never written: it never started', async () => {
    const result = await crashAndResume({ effect: 'unsafe', cutAfter: 'tool-call', script: [{ text: 'Done.' }] });
    expect(result.run.status).toBe('completed');
    expect(result.executions).toEqual([{ key: result.key, attempt: 1 }]);
  });

  it('re-runs an interrupted idempotent call with the journaled idempotency key', async () => {
    const result = await crashAndResume({ effect: 'idempotent', cutAfter: 'tool-start', script: [{ text: 'Done.' }] });
    expect(result.run.status).toBe('completed');
    expect(result.executions).toEqual([{ key: result.key, attempt: 2 }]);
  });

  it('re-runs an interrupted read call', async () => {
    const result = await crashAndResume({ effect: 'read', cutAfter: 'tool-start', script: [{ text: 'Done.' }] });
    expect(result.executions).toHaveLength(1);
    expect(result.run.status).toBe('completed');
  });

  it('re-sends a model call that never completed, and only that one', async () => {
    const result = await crashAndResume({
      effect: 'read',
      cutAfter: 'model-call-started',
      script: [{ toolCalls: [{ name: 'act', arguments: { n: 1 } }] }, { text: 'Done.' }],
    });
    expect(result.run.status).toBe('completed');
    const starts = result.journal.filter((entry) => entry.type === 'step-start');
    expect(starts.map((entry) => (entry.type === 'step-start' ? [entry.step, entry.attempt] : []))).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
  });

  it('does not re-send a completed model call', async () => {
    // The script holds only the answer after the tool: a repeated first call would fail the strict model.
    const result = await crashAndResume({ effect: 'read', cutAfter: 'tool-call', script: [{ text: 'Done.' }] });
    expect(result.run.status).toBe('completed');
  });
});

describe('a person resolving an unknown outcome', () => {
  async function resume() {
    const worker = harness!.runtime.startWorker({ untilIdle: true, pollIntervalMs: 5 });
    await worker.done;
  }

  it('journals "it took effect" as the call\'s result and the run continues without re-running it', async () => {
    const parked = await crashAndResume({ effect: 'unsafe', cutAfter: 'tool-start', script: [] });
    parked.model.push({
      expect: (request) => expect(request.messages.at(-1)).toMatchObject({ role: 'tool', content: { chargeId: 'ch_manual' } }),
      text: 'Charged.',
    });
    const queued = await harness!.runtime.resolveToolOutcome(parked.run.id, [{ callId: 'call_1', outcome: 'completed', output: { chargeId: 'ch_manual' } }], {
      actor: 'ops@example.com',
    });
    expect(queued.status).toBe('queued');
    await resume();
    const run = await harness!.runtime.getRun(parked.run.id);
    expect(run.status).toBe('completed');
    expect(parked.executions).toEqual([]);
    const journal = await harness!.store.readJournal(run.id);
    expect(journal.find((entry) => entry.type === 'tool-result')).toMatchObject({ resolvedBy: 'human' });
    expect(journal.find((entry) => entry.type === 'run-resume')).toMatchObject({ details: { actor: 'ops@example.com' } });
    parked.model.assertConsumed();
  });

  it('lets a call declared "never took effect" run exactly once more', async () => {
    const parked = await crashAndResume({ effect: 'unsafe', cutAfter: 'tool-start', script: [] });
    parked.model.push({ text: 'Charged.' });
    await harness!.runtime.resolveToolOutcome(parked.run.id, [{ callId: 'call_1', outcome: 'rerun' }]);
    await resume();
    expect((await harness!.runtime.getRun(parked.run.id)).status).toBe('completed');
    expect(parked.executions).toEqual([{ key: parked.key, attempt: 2 }]);
  });

  it('rejects resolutions for runs that are not waiting on an outcome, or for the wrong call, and changes nothing', async () => {
    const parked = await crashAndResume({ effect: 'unsafe', cutAfter: 'tool-start', script: [] });
    const before = await harness!.store.readJournal(parked.run.id);
    await expect(harness!.runtime.resolveToolOutcome(parked.run.id, [{ callId: 'call_9', outcome: 'rerun' }])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(harness!.runtime.resolveToolOutcome(parked.run.id, [])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(harness!.runtime.resolveToolOutcome('run_missing', [{ callId: 'call_1', outcome: 'rerun' }])).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    expect(await harness!.store.readJournal(parked.run.id)).toEqual(before);
    expect((await harness!.runtime.getRun(parked.run.id)).status).toBe('waiting');

    const { run: other } = await harness!.runtime.startRun({ agent: 'a', input: 'x' });
    await expect(harness!.runtime.resolveToolOutcome(other.id, [{ callId: 'call_1', outcome: 'rerun' }])).rejects.toMatchObject({ code: 'RUN_NOT_WAITING' });
  });
});
