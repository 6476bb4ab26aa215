import { afterEach, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/*
 * A server started without a master key has no vault, and so no OAuth provider (configuring one
 * requires the key at start-up): both OAuth routes answer that the provider is unknown — a 404 a
 * caller can act on, not a server fault.
 */
it('answers 404 OAUTH_PROVIDER_NOT_FOUND on both OAuth routes of a server without a vault', async () => {
  api = await createTestApi({ agents: [defineAgent({ name: 'greeter', model: scriptedModel([{ text: 'hi' }]), instructions: 'Greet.' })] });
  const start = await api.json<{ error: { code: string; message: string } }>('GET', '/v1/oauth/shop/start?userId=ana', { key: api.keys.admin });
  expect([start.status, start.body.error.code]).toEqual([404, 'OAUTH_PROVIDER_NOT_FOUND']);
  expect(start.body.error.message).toContain('Configured: none');
  const callback = await api.json<{ error: { code: string } }>('GET', '/oauth/shop/callback?code=c&state=s');
  expect([callback.status, callback.body.error.code]).toEqual([404, 'OAUTH_PROVIDER_NOT_FOUND']);
});
