import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defineAgent } from '../sdk/define-agent.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { scriptedModel } from '../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../testing/test-runtime.ts';

/*
 * A worker must not sleep through work enqueued while it is claiming: with a store whose claims
 * take real time (PostgreSQL, a busy SQLite file), a run created mid-claim would otherwise wait
 * a whole poll interval. The poll interval here is far longer than the test's time limit, so
 * only the wake-up can get the second run executed.
 */

let test: TestRuntime | undefined;
let directory: string | undefined;
afterEach(async () => {
  await test?.close();
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

describe('the worker loop', () => {
  it('executes a run enqueued while its claim was in flight, without waiting for the next poll', async () => {
    directory = mkdtempSync(join(tmpdir(), 'keel-worker-'));
    const store = createSqliteStore({ path: join(directory, 'keel.db') });
    let duringClaim: (() => Promise<void>) | undefined;
    // A claim that finds nothing and, while it is out, lets a run be enqueued (as a slower store would).
    const claimingSlowly: Store = {
      ...store,
      async claimRunnable(options) {
        const claimed = await store.claimRunnable(options);
        const enqueue = duringClaim;
        duringClaim = undefined;
        if (enqueue !== undefined) await enqueue();
        return claimed;
      },
    };
    const agent = defineAgent({ name: 'greeter', model: scriptedModel([{ text: 'Hello!' }]), instructions: 'Greet.' });
    test = await createTestRuntime({ agents: [agent], store: claimingSlowly });
    const runtime = test.runtime;
    let runId: string | undefined;
    duringClaim = async () => {
      runId = (await runtime.startRun({ agent: 'greeter', input: 'hi' })).run.id;
    };
    const worker = runtime.startWorker({ pollIntervalMs: 3_600_000 });
    try {
      while (runId === undefined) await new Promise((resolve) => setImmediate(resolve));
      const run = await runtime.waitForRun(runId);
      expect(run.status).toBe('completed');
    } finally {
      await worker.stop();
    }
  });
});
