import { afterEach, expect, it } from 'vitest';
import type { Model } from '../../src/gateway/model.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** A model that answers only when released, and says when it has been called. */
function heldModel(): { model: Model; called: Promise<void>; release: () => void } {
  let release: () => void = () => undefined;
  let markCalled: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const called = new Promise<void>((resolve) => (markCalled = resolve));
  const model: Model = {
    provider: 'test',
    modelId: 'held',
    async generate() {
      markCalled();
      await gate;
      return {
        text: 'Hi.',
        toolCalls: [],
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0 },
        provider: 'test',
        modelId: 'held',
      };
    },
  };
  return { model, called, release };
}

it('shows a run as running for its whole first model call, from the moment a worker claims it', async () => {
  const held = heldModel();
  api = await createTestApi({ agents: [defineAgent({ name: 'greeter', model: held.model, instructions: 'Greet.' })], worker: true });
  const started = await api.json<{ id: string }>('POST', '/v1/runs', { body: { agent: 'greeter', input: 'hi', userId: 'ana' } });
  expect(started.status).toBe(202);
  await held.called;
  // The model is answering and nothing has been committed since the claim: the run is running.
  expect((await api.json<{ status: string }>('GET', `/v1/runs/${started.body.id}`)).body.status).toBe('running');
  held.release();
  expect((await api.runtime.waitForRun(started.body.id, { tenantId: 'acme' })).status).toBe('completed');
});
