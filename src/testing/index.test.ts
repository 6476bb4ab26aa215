import { expect, it } from 'vitest';
import * as testing from 'keel/testing';
import { defineAgent } from 'keel';

it('exports the whole test kit from keel/testing, and it runs an agent end to end', async () => {
  expect(Object.keys(testing).sort()).toEqual([
    'createFakeClock',
    'createTestRuntime',
    'scriptedModel',
    'startFakeModelServer',
    'startFakeOAuthServer',
    'startFakeOtlpReceiver',
  ]);
  const model = testing.scriptedModel([{ text: 'Hello from the kit.' }]);
  const { runtime, close } = await testing.createTestRuntime({ agents: [defineAgent({ name: 'greeter', model, instructions: 'Greet.' })] });
  try {
    expect((await runtime.run({ agent: 'greeter', input: 'hi' })).output).toBe('Hello from the kit.');
    model.assertConsumed();
  } finally {
    await close();
  }
});
