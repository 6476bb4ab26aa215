import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

/**
 * A resume point is a sequence number the server sent as `id:`: decimal digits, in range.
 * Everything `Number()` would also accept (hex, exponents, signs, fractions, padding) is a 400
 * naming where it was, never a guess at what the client meant (ADR 0009).
 */
let api: TestApi;
let runId: string;

beforeAll(async () => {
  api = await createTestApi({ agents: [defineAgent({ name: 'greeter', model: scriptedModel([{ text: 'Hello!' }]), instructions: 'Greet.' })] });
  runId = (await api.runtime.run({ agent: 'greeter', input: 'hi', userId: 'ana', tenantId: 'acme' })).id;
});

afterAll(async () => {
  await api.close();
});

/** The sequence numbers a resumed stream sends. */
async function resumed(headers: Record<string, string>, query = ''): Promise<number[]> {
  const response = await api.request('GET', `/v1/runs/${runId}/events${query}`, { headers });
  expect(response.status).toBe(200);
  return [...(await response.text()).matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
}

const notNumbers = ['0x10', '1e3', '+5', '-1', '5.0', '5.', '.5', '1_000', 'Infinity', 'NaN', '5 6', 'abc', '9007199254740992', '99999999999999999999'];

describe('Last-Event-ID and ?after=', () => {
  it('resume after the sequence number they name', async () => {
    const all = await resumed({});
    expect(all[0]).toBe(1);
    expect(await resumed({ 'last-event-id': '2' })).toEqual(all.filter((seq) => seq > 2));
    expect(await resumed({}, '?after=2')).toEqual(all.filter((seq) => seq > 2));
    expect(await resumed({ 'last-event-id': '002' })).toEqual(all.filter((seq) => seq > 2));
    // Last-Event-ID wins over ?after=; an empty one is no resume point.
    expect(await resumed({ 'last-event-id': '3' }, '?after=1')).toEqual(all.filter((seq) => seq > 3));
    expect(await resumed({ 'last-event-id': '' })).toEqual(all);
    expect(await resumed({ 'last-event-id': String(Number.MAX_SAFE_INTEGER) })).toEqual([]);
  });

  // Headers arrive trimmed (' 5' is '5' by then) and in Latin-1, so those cases are the query's.
  it.each(notNumbers)('refuse Last-Event-ID %j with INPUT_INVALID', async (value) => {
    const { status, body } = await api.json<{ error: { code: string; details: { in: string; issues: Array<{ path: string }> } } }>(
      'GET',
      `/v1/runs/${runId}/events`,
      { headers: { 'last-event-id': value } },
    );
    expect([status, body.error.code, body.error.details.in, body.error.details.issues.map((issue) => issue.path)]).toEqual([
      400,
      'INPUT_INVALID',
      'header',
      ['last-event-id'],
    ]);
  });

  it.each([...notNumbers, '١', ' 5', '5 ', ''])('refuse ?after=%j with INPUT_INVALID', async (value) => {
    const { status, body } = await api.json<{ error: { code: string; details: { in: string } } }>(
      'GET',
      `/v1/runs/${runId}/events?after=${encodeURIComponent(value)}`,
    );
    expect([status, body.error.code, body.error.details.in]).toEqual([400, 'INPUT_INVALID', 'query']);
  });
});
