import { afterAll, beforeAll, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

/**
 * Every listing's `?limit=` is a whole number in decimal digits, as on `/v1/runs`: `0x10`, `1e1`,
 * `+5`, `5.0`, ` 5` and an empty value are client bugs worth a 400 naming the parameter, not
 * numbers read the way `Number()` would read them.
 */
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })] });
});
afterAll(async () => {
  await api.close();
});

const listings: Array<[path: string, max: number]> = [
  ['/v1/runs', 200],
  ['/v1/approvals', 200],
  ['/v1/escalations', 200],
  ['/v1/feedback', 200],
  ['/v1/alerts', 200],
  ['/v1/audit', 500],
];

it.each(listings)('%s reads ?limit= as decimal digits only', async (path, max) => {
  const answer = (limit: string) =>
    api.json<{ error?: { code: string; details?: unknown } }>('GET', `${path}?limit=${encodeURIComponent(limit)}`, { key: api.keys.admin });
  expect((await answer('007')).status).toBe(200);
  expect((await answer(String(max))).status).toBe(200);
  for (const limit of ['1e1', '0x10', '+5', '5.0', ' 5', '5 ', '', '0', String(max + 1), 'Infinity', '-1']) {
    const refused = await answer(limit);
    expect([limit, refused.status, refused.body.error?.code]).toEqual([limit, 400, 'INPUT_INVALID']);
    expect(JSON.stringify(refused.body.error?.details)).toContain('limit');
  }
});
