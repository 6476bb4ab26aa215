import { afterEach, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import type { RunRecord } from '../../src/store/store.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

function greeter(turns = 1) {
  return defineAgent({
    name: 'greeter',
    model: scriptedModel(Array.from({ length: turns }, (_, index) => ({ text: `Hello #${index + 1}!` }))),
    instructions: 'Greet.',
  });
}

describe('runs API', () => {
  it('starts a run (202), executes it in a worker and shows it as keel runs show --json does', async () => {
    api = await createTestApi({ agents: [greeter()], worker: true });
    const started = await api.json<{ id: string; sessionId: string; status: string }>('POST', '/v1/runs', {
      body: { agent: 'greeter', input: 'hi', userId: 'ana' },
    });
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ id: expect.stringMatching(/^run_/), sessionId: expect.stringMatching(/^ses_/), status: 'queued' });

    const finished = await api.runtime.waitForRun(started.body.id, { tenantId: 'acme' });
    const shown = await api.json<RunRecord>('GET', `/v1/runs/${started.body.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(JSON.parse(JSON.stringify(finished)));
    expect(shown.body).toMatchObject({ status: 'completed', output: 'Hello #1!', tenantId: 'acme', userId: 'ana' });
  });

  it('returns the same run for the same idempotency key, also for concurrent requests', async () => {
    api = await createTestApi({ agents: [greeter()] });
    const body = { agent: 'greeter', input: 'hi', userId: 'ana', idempotencyKey: 'order-1001-refund' };
    const responses = await Promise.all(Array.from({ length: 20 }, () => api!.request('POST', '/v1/runs', { body })));
    const ids = await Promise.all(responses.map(async (response) => ((await response.json()) as { id: string }).id));
    expect(new Set(ids).size).toBe(1);
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(202));
    expect(responses.filter((response) => response.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect((await api.store.listRuns({ tenantId: 'acme' })).runs).toHaveLength(1);

    const conflict = await api.json('POST', '/v1/runs', { body: { ...body, input: 'something else' } });
    expect([conflict.status, conflict.body]).toEqual([409, { error: expect.objectContaining({ code: 'IDEMPOTENCY_CONFLICT' }) }]);
  });

  it('takes the idempotency key from the Idempotency-Key header too, and refuses two different keys', async () => {
    const test = (api = await createTestApi({ agents: [greeter()] }));
    const body = { agent: 'greeter', input: 'hi', userId: 'ana' };
    const first = await test.request('POST', '/v1/runs', { body, headers: { 'idempotency-key': 'refund-1001' } });
    const again = await test.request('POST', '/v1/runs', { body: { ...body, idempotencyKey: 'refund-1001' } });
    const both = await test.request('POST', '/v1/runs', { body: { ...body, idempotencyKey: 'refund-1001' }, headers: { 'idempotency-key': 'refund-1001' } });
    expect([first.status, again.status, both.status]).toEqual([202, 202, 202]);
    const ids = await Promise.all([first, again, both].map(async (response) => ((await response.json()) as { id: string }).id));
    expect(new Set(ids).size).toBe(1);
    expect([again.headers.get('idempotent-replayed'), both.headers.get('idempotent-replayed')]).toEqual(['true', 'true']);

    const differ = await test.json<{ error: { code: string; details: { in: string } } }>('POST', '/v1/runs', {
      body: { ...body, idempotencyKey: 'refund-1002' },
      headers: { 'idempotency-key': 'refund-1001' },
    });
    expect([differ.status, differ.body.error.code, differ.body.error.details.in]).toEqual([400, 'INPUT_INVALID', 'header']);
    const tooLong = await test.json<{ error: { code: string; details: { in: string } } }>('POST', '/v1/runs', {
      body,
      headers: { 'idempotency-key': 'k'.repeat(256) },
    });
    expect([tooLong.status, tooLong.body.error.details.in]).toEqual([400, 'header']);
    expect((await test.store.listRuns({ tenantId: 'acme' })).runs).toHaveLength(1);
  });

  it('with createSession: false, starts a run only in an existing session of the user', async () => {
    const test = (api = await createTestApi({ agents: [greeter()] }));
    const start = (body: Record<string, unknown>) =>
      test.json<{ sessionId?: string; error?: { code: string } }>('POST', '/v1/runs', { body: { agent: 'greeter', input: 'hi', ...body } });

    const typo = await start({ userId: 'ana', sessionId: 'ses_typo', createSession: false });
    expect([typo.status, typo.body.error?.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect(await test.store.getSession('acme', 'ses_typo')).toBeUndefined();
    expect((await test.store.listRuns({ tenantId: 'acme' })).runs).toEqual([]);

    const opened = await start({ userId: 'ana', sessionId: 'ses_thread' });
    expect(opened.status).toBe(202);
    expect((await start({ userId: 'ana', sessionId: 'ses_thread', createSession: false })).body.sessionId).toBe('ses_thread');
    expect((await start({ userId: 'ben', sessionId: 'ses_thread', createSession: false })).status).toBe(404);
    const noSession = await start({ userId: 'ana', createSession: false });
    expect([noSession.status, noSession.body.error?.code]).toEqual([400, 'INPUT_INVALID']);
    expect((await start({ userId: 'ana', sessionId: 'ses_new', createSession: 'no' })).status).toBe(400);
    expect((await test.store.listRuns({ tenantId: 'acme' })).runs).toHaveLength(2);
  });

  it('reads ?limit= as decimal digits only', async () => {
    const test = (api = await createTestApi({ agents: [greeter()] }));
    expect((await test.json('GET', '/v1/runs?limit=007')).status).toBe(200);
    for (const limit of ['1e1', '0x10', '+5', '5.0', ' 5', '', '0', '201', 'Infinity']) {
      const answer = await test.json<{ error: { code: string } }>('GET', `/v1/runs?limit=${encodeURIComponent(limit)}`);
      expect([limit, answer.status, answer.body.error.code]).toEqual([limit, 400, 'INPUT_INVALID']);
    }
  });

  it('lists runs newest first with filters and cursors', async () => {
    api = await createTestApi({ agents: [greeter()] });
    for (let index = 0; index < 5; index += 1) {
      await api.request('POST', '/v1/runs', { body: { agent: 'greeter', input: `hi ${index}`, userId: index % 2 === 0 ? 'ana' : 'ben' } });
    }
    const first = await api.json<{ data: RunRecord[]; nextCursor: string | null }>('GET', '/v1/runs?limit=2');
    expect(first.body.data.map((run) => run.input)).toEqual(['hi 4', 'hi 3']);
    const second = await api.json<{ data: RunRecord[]; nextCursor: string | null }>('GET', `/v1/runs?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((run) => run.input)).toEqual(['hi 2', 'hi 1']);
    const ana = await api.json<{ data: RunRecord[]; nextCursor: string | null }>('GET', '/v1/runs?userId=ana&status=queued&agent=greeter');
    expect(ana.body).toEqual({ data: expect.any(Array), nextCursor: null });
    expect(ana.body.data.map((run) => run.input)).toEqual(['hi 4', 'hi 2', 'hi 0']);
  });

  it("lists only the caller's tenant, whatever the query asks for", async () => {
    api = await createTestApi({ agents: [greeter()] });
    const own = await api.runtime.startRun({ agent: 'greeter', input: 'hi', userId: 'ana', tenantId: 'acme' });
    await api.runtime.startRun({ agent: 'greeter', input: 'hi', userId: 'ana', tenantId: 'globex' });
    for (const query of ['allTenants=true', 'allTenants=1', 'tenantId=globex', 'tenantId=globex&allTenants=true', 'tenant=globex']) {
      const listed = await api.json<{ data: RunRecord[] }>('GET', `/v1/runs?${query}`);
      expect([query, listed.status, listed.body.data.map((run) => run.id)]).toEqual([query, 200, [own.run.id]]);
    }
  });

  it('cancels a queued run, and refuses to cancel it twice', async () => {
    api = await createTestApi({ agents: [greeter()] });
    const { body } = await api.json<{ id: string }>('POST', '/v1/runs', { body: { agent: 'greeter', input: 'hi', userId: 'ana' } });
    const cancelled = await api.json<RunRecord>('POST', `/v1/runs/${body.id}/cancel`);
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    const again = await api.json('POST', `/v1/runs/${body.id}/cancel`);
    expect([again.status, again.body]).toEqual([409, { error: expect.objectContaining({ code: 'RUN_NOT_CANCELLABLE' }) }]);
  });

  it("keeps end users' sessions apart: another user's session is not found", async () => {
    api = await createTestApi({ agents: [greeter(2)], worker: true });
    const { body } = await api.json<{ id: string; sessionId: string }>('POST', '/v1/runs', { body: { agent: 'greeter', input: 'hi', userId: 'ana' } });
    await api.runtime.waitForRun(body.id, { tenantId: 'acme' });
    const intruder = await api.json('POST', '/v1/runs', { body: { agent: 'greeter', input: 'hi', userId: 'mallory', sessionId: body.sessionId } });
    expect([intruder.status, intruder.body]).toEqual([404, { error: expect.objectContaining({ code: 'SESSION_NOT_FOUND' }) }]);
    expect((await api.json('GET', `/v1/sessions/${body.sessionId}?userId=mallory`)).status).toBe(404);
    expect((await api.json('GET', `/v1/runs/${body.id}?userId=mallory`)).status).toBe(404);
    expect((await api.json('GET', `/v1/runs/${body.id}?userId=ana`)).status).toBe(200);
  });
});
