import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { costOf, priceOf } from '../../src/gateway/pricing/index.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { startFakeModelServer, type FakeModelServer } from '../../src/testing/index.ts';
import type { TestRuntime } from '../../src/testing/test-runtime.ts';
import { ofType, runtimeAgainst, wireProtocols } from './helpers.ts';

let server: FakeModelServer;
const harnesses: TestRuntime[] = [];
beforeEach(async () => {
  server = await startFakeModelServer();
});
afterEach(async () => {
  for (const harness of harnesses.splice(0).reverse()) await harness.close();
  await server.close();
});

async function start(...args: Parameters<typeof runtimeAgainst>): Promise<TestRuntime> {
  const harness = await runtimeAgainst(...args);
  harnesses.push(harness);
  return harness;
}

const retrying = { gateway: { retry: { maxAttempts: 4, sleep: () => Promise.resolve() } } };

describe.each(wireProtocols)('billing on $name', ({ model }) => {
  it('reports a retried call once: the engine receives only the successful attempt usage', async () => {
    const harness = await start(server, [defineAgent({ name: 'support', model, instructions: 'Help.' })], retrying);
    const usage = { inputTokens: 1234, outputTokens: 56, cachedTokens: 1000 };
    server.enqueue({ fault: 'rate-limit', retryAfterSeconds: 0 }, { fault: 'server-error' }, { fault: 'cut-stream', afterChunks: 1 }, { text: 'Done.', usage });
    const run = await harness.runtime.run({ agent: 'support', input: 'Hello' });
    expect(run.status).toBe('completed');
    expect(server.requests).toHaveLength(4);
    expect(run.usage).toEqual(usage);
    const journal = await harness.store.readJournal(run.id);
    expect(ofType(journal, 'model-response').map((response) => response.usage)).toEqual([usage]);
    expect(ofType(journal, 'usage-update').map((update) => update.modelCalls)).toEqual([1]);

    // And that usage costs exactly tokens × list prices.
    const [provider, modelId] = model.split(':') as [string, string];
    const { price, known } = priceOf(provider, modelId);
    expect(known).toBe(true);
    const nanoPerToken = (dollarsPerMTok: number) => Math.round(dollarsPerMTok * 1000);
    expect(costOf(run.usage, price).nanoUsd).toBe(
      234 * nanoPerToken(price.inputPerMTok) + 1000 * nanoPerToken(price.cachedInputPerMTok) + 56 * nanoPerToken(price.outputPerMTok),
    );
  });
});

describe('the response cache through the engine', () => {
  const cachedAgent = defineAgent({
    name: 'faq',
    model: 'openai:gpt-4o-mini',
    instructions: 'Answer briefly.',
    modelSettings: { temperature: 0 },
    cache: { ttlMs: 60_000 },
  });

  it('answers a repeated deterministic call from the cache, at no cost, journaled as a cached model-response', async () => {
    const harness = await start(server, [cachedAgent]);
    server.enqueue({ text: 'Four.', usage: { inputTokens: 20, outputTokens: 2 } });
    const first = await harness.runtime.run({ agent: 'faq', input: 'What is 2+2?' });
    const second = await harness.runtime.run({ agent: 'faq', input: 'What is 2+2?' });
    expect([first.output, second.output]).toEqual(['Four.', 'Four.']);
    expect(server.requests).toHaveLength(1);
    expect(second.usage).toEqual({ inputTokens: 0, outputTokens: 0, cachedTokens: 0 });
    const [response] = ofType(await harness.store.readJournal(second.id), 'model-response');
    expect(response).toMatchObject({ cached: true, provider: 'openai', modelId: 'gpt-4o-mini', usage: { inputTokens: 0, outputTokens: 0 } });
    expect(ofType(await harness.store.readJournal(first.id), 'model-response')[0]?.cached).toBeUndefined();
  });

  it('misses for another request, another tenant, a sampled temperature, and after the TTL', async () => {
    let offsetMs = 0;
    const harness = await start(
      server,
      [
        cachedAgent,
        defineAgent({
          name: 'creative',
          model: 'openai:gpt-4o-mini',
          instructions: 'Answer briefly.',
          modelSettings: { temperature: 0.7 },
          cache: { ttlMs: 60_000 },
        }),
      ],
      {
        now: () => new Date(Date.now() + offsetMs),
      },
    );
    server.setResponder(() => ({ text: `answer ${server.requests.length}` }));
    const ask = async (agent: string, input: string, tenantId?: string) =>
      (await harness.runtime.run({ agent, input, ...(tenantId === undefined ? {} : { tenantId }) })).output;

    expect(await ask('faq', 'one')).toBe('answer 1');
    expect(await ask('faq', 'one')).toBe('answer 1');
    expect(await ask('faq', 'two')).toBe('answer 2');
    expect(await ask('faq', 'one', 'tenant-b')).toBe('answer 3');
    expect(await ask('faq', 'one', 'tenant-b')).toBe('answer 3');
    expect(await ask('creative', 'one')).toBe('answer 4');
    expect(await ask('creative', 'one')).toBe('answer 5');
    offsetMs = 60_001;
    expect(await ask('faq', 'one')).toBe('answer 6');
    expect(await ask('faq', 'one')).toBe('answer 6');
  });

  it('is shared through the store by another process', async () => {
    const harness = await start(server, [cachedAgent]);
    server.enqueue({ text: 'Four.' });
    await harness.runtime.run({ agent: 'faq', input: 'What is 2+2?' });
    // A second runtime with its own connection to the same database file, as another process has.
    const other = await start(server, [cachedAgent], { store: createSqliteStore({ path: harness.databasePath }) });
    const run = await other.runtime.run({ agent: 'faq', input: 'What is 2+2?' });
    expect(run.output).toBe('Four.');
    expect(server.requests).toHaveLength(1);
  });
});

describe('routing through the engine', () => {
  it('lets the policy send short inputs to the cheap model', async () => {
    const agent = defineAgent({
      name: 'router',
      model: 'anthropic:claude-sonnet-4-5',
      routing: { cheap: 'openai:gpt-4o-mini', when: ({ inputTokens }) => inputTokens < 100 },
      instructions: 'Help.',
    });
    const harness = await start(server, [agent]);
    server.enqueue({ text: 'Short answer.' }, { text: 'Long answer.' });
    const short = await harness.runtime.run({ agent: 'router', input: 'Hi' });
    const long = await harness.runtime.run({ agent: 'router', input: 'Please read this. '.repeat(100) });
    const modelOf = async (runId: string) => ofType(await harness.store.readJournal(runId), 'model-response')[0]?.modelId;
    expect(await modelOf(short.id)).toBe('gpt-4o-mini');
    expect(await modelOf(long.id)).toBe('claude-sonnet-4-5');
    expect(server.requests.map((request) => request.path)).toEqual(['/v1/responses', '/v1/messages']);
  });
});
