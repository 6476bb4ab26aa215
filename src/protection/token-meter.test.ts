import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defineAgent } from '../sdk/define-agent.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { scriptedModel } from '../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../testing/test-runtime.ts';
import { createRateLimiter } from './rate-limit.ts';

let harness: TestRuntime | undefined;
let directory: string | undefined;
afterEach(async () => {
  await harness?.close();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  harness = undefined;
  directory = undefined;
});

async function meteredRuntime(turns: Parameters<typeof scriptedModel>[0]) {
  directory = await mkdtemp(join(tmpdir(), 'keel-token-meter-'));
  const base = createSqliteStore({ path: join(directory, 'keel.db') });
  const limiter = createRateLimiter({ store: base, limitsCacheMs: 0 });
  const recorded: Array<{ tenantId: string; userId: string; tokens: number }> = [];
  const agent = defineAgent({ name: 'greeter', model: scriptedModel(turns), instructions: 'Greet.' });
  harness = await createTestRuntime({
    agents: [agent],
    store: base,
    rateLimiter: {
      recordTokens: async (usage) => {
        recorded.push(usage);
        await limiter.recordTokens(usage);
      },
    },
  });
  return { runtime: harness.runtime, store: base, limiter, recorded };
}

describe('createTokenMeter', () => {
  it("counts every model call's input and output tokens against the run's user", async () => {
    const { runtime, store, limiter, recorded } = await meteredRuntime([{ text: 'Hello!', usage: { inputTokens: 700, outputTokens: 400, cachedTokens: 100 } }]);
    await store.setTenantLimits('acme', { userTokens: { limit: 1_000, windowMs: 60_000 } });

    const run = await runtime.run({ agent: 'greeter', input: 'hi', tenantId: 'acme', userId: 'alice' });
    expect(run.status).toBe('completed');
    expect(recorded).toEqual([{ tenantId: 'acme', userId: 'alice', tokens: 1_100 }]);
    await expect(limiter.admit({ tenantId: 'acme', userId: 'alice' })).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'tokens' } });
    expect(await limiter.admit({ tenantId: 'acme', userId: 'bob' })).toBeUndefined();
  });

  it('counts runs executed by a background worker too', async () => {
    const { runtime, recorded } = await meteredRuntime([{ text: 'One' }, { text: 'Two' }]);
    await runtime.startRun({ agent: 'greeter', input: 'a', tenantId: 'acme', userId: 'alice' });
    await runtime.startRun({ agent: 'greeter', input: 'b', tenantId: 'acme', userId: 'bob' });
    const worker = runtime.startWorker({ untilIdle: true });
    await worker.done;
    expect(recorded.map(({ userId, tokens }) => [userId, tokens]).sort()).toEqual([
      ['alice', 15],
      ['bob', 15],
    ]);
  });
});
