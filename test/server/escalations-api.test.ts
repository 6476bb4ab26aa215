import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EscalationDetail } from '../../src/oversight/escalation-detail.ts';
import type { EscalationRecord } from '../../src/store/oversight-store.ts';
import { createOversightApi, type OversightApi } from './oversight-fixture.ts';

/**
 * Escalations over HTTP, on real runs whose user asked for a person: the queue, one escalation
 * with its handoff package and replies, replying (the reply on the run's event stream),
 * handing back (the agent resumes), resolving (the run completes with the reply), roles, another
 * tenant, and bad input changing nothing.
 */
let api: OversightApi;

beforeAll(async () => {
  api = await createOversightApi();
});
afterAll(async () => {
  await api.close();
});

type Page = { data: EscalationRecord[]; nextCursor: string | null };
type Failure = { error: { code: string } };

/** The frames of a whole SSE body: event name and JSON data. */
async function sseFrames(response: Response): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
  const text = await response.text();
  return text
    .split('\n\n')
    .map((block) => block.split('\n'))
    .filter((lines) => lines.some((line) => line.startsWith('event: ')))
    .map((lines) => ({
      event: (lines.find((line) => line.startsWith('event: ')) ?? '').slice(7),
      data: JSON.parse(
        lines
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n'),
      ) as Record<string, unknown>,
    }));
}

describe('GET /v1/escalations and /v1/escalations/{id}', () => {
  it('lists open escalations and reads one with its handoff package', async () => {
    const { run, escalation } = await api.openEscalation('list-ana');
    const open = await api.json<Page>('GET', `/v1/escalations?status=open&runId=${run.id}`, { key: api.keys.viewer });
    expect(open.status).toBe(200);
    expect(open.body.data).toEqual([
      expect.objectContaining({ id: escalation.id, runId: run.id, userId: 'list-ana', status: 'open', trigger: 'user-request' }),
    ]);
    expect((await api.json<Page>('GET', `/v1/escalations?status=resolved&runId=${run.id}`, { key: api.keys.viewer })).body.data).toEqual([]);

    const detail = await api.json<EscalationDetail>('GET', `/v1/escalations/${escalation.id}`, { key: api.keys.reviewer });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      id: escalation.id,
      reason: 'The user asked for a human',
      handoff: { request: 'Can I talk to a real person please?', trigger: 'user-request', pendingQuestion: 'Can I talk to a real person please?', tried: [] },
      replies: [],
      resolution: null,
    });

    for (const [path, key, status, code] of [
      [`/v1/escalations/${escalation.id}`, api.keys.other, 404, 'ESCALATION_NOT_FOUND'],
      ['/v1/escalations/esc_unknown', api.keys.viewer, 404, 'ESCALATION_NOT_FOUND'],
      ['/v1/escalations/%1B', api.keys.viewer, 404, 'ESCALATION_NOT_FOUND'],
      [`/v1/escalations/${escalation.id}`, api.keys.app, 403, 'FORBIDDEN'],
      ['/v1/escalations', api.keys.app, 403, 'FORBIDDEN'],
      ['/v1/escalations?status=closed', api.keys.viewer, 400, 'INPUT_INVALID'],
      ['/v1/escalations?cursor=nope', api.keys.viewer, 400, 'INPUT_INVALID'],
    ] as const) {
      const response = await api.json<Failure>('GET', path, { key });
      expect([path, response.status, response.body.error.code]).toEqual([path, status, code]);
    }
    expect((await api.json<Page>('GET', '/v1/escalations', { key: api.keys.other })).body.data).toEqual([]);
  });
});

describe('POST /v1/escalations/{id}/reply and /resolve', () => {
  it('a reply reaches the run’s event stream; handing back resumes the agent; the escalation then is closed', async () => {
    const { run, escalation } = await api.openEscalation('reply-ana');
    const events = await api.request('GET', `/v1/runs/${run.id}/events`, { key: api.keys.app });

    const replied = await api.json<EscalationRecord>('POST', `/v1/escalations/${escalation.id}/reply`, {
      key: api.keys.reviewer,
      body: { message: 'Hi, I am Rita. Let me check your order.' },
      headers: { 'x-keel-reviewer': 'Rita' },
    });
    expect([replied.status, replied.body.status]).toEqual([200, 'open']);
    const handedBack = await api.json<EscalationRecord>('POST', `/v1/escalations/${escalation.id}/reply`, {
      key: api.keys.admin,
      body: { message: 'Your refund is on its way.', handBack: true, reviewer: 'Maria' },
    });
    expect([handedBack.status, handedBack.body.status]).toEqual([200, 'handed-back']);

    const done = await api.settled(run.id);
    expect([done.status, done.output]).toEqual(['completed', 'Thanks for waiting: anything else I can do?']);
    const frames = await sseFrames(events);
    expect(frames.at(-1)?.event).toBe('run-end');
    const replies = frames.filter((frame) => frame.event === 'escalation-reply').map((frame) => frame.data);
    expect(replies).toEqual([
      expect.objectContaining({
        message: 'Hi, I am Rita. Let me check your order.',
        handBack: false,
        actor: { kind: 'key', keyId: await api.keyId('reviewer'), name: 'Rita' },
      }),
      expect.objectContaining({
        message: 'Your refund is on its way.',
        handBack: true,
        actor: { kind: 'key', keyId: await api.keyId('admin'), name: 'Maria' },
      }),
    ]);

    const detail = await api.json<EscalationDetail>('GET', `/v1/escalations/${escalation.id}`, { key: api.keys.viewer });
    expect(detail.body.replies.map((reply) => [reply.message, reply.handBack, reply.actor.name])).toEqual([
      ['Hi, I am Rita. Let me check your order.', false, 'Rita'],
      ['Your refund is on its way.', true, 'Maria'],
    ]);
    const messages = await api.json<{ data: Array<{ role: string; content: string }> }>('GET', `/v1/sessions/${run.sessionId}/messages`, { key: api.keys.app });
    expect(messages.body.data.filter((message) => message.role === 'assistant').map((message) => message.content)).toEqual([
      'Hi, I am Rita. Let me check your order.',
      'Your refund is on its way.',
      'Thanks for waiting: anything else I can do?',
    ]);

    for (const path of [`/v1/escalations/${escalation.id}/reply`, `/v1/escalations/${escalation.id}/resolve`]) {
      const closed = await api.json<Failure>('POST', path, { key: api.keys.reviewer, body: path.endsWith('reply') ? { message: 'hello?' } : {} });
      expect([closed.status, closed.body.error.code]).toEqual([409, 'ESCALATION_CLOSED']);
    }
  });

  it('resolve: the run completes with the last reply as its answer, and the resolution is on record', async () => {
    const { run, escalation } = await api.openEscalation('resolve-ana');
    await api.json('POST', `/v1/escalations/${escalation.id}/reply`, { key: api.keys.reviewer, body: { message: 'Done: refunded in full.' } });
    const resolved = await api.json<EscalationRecord>('POST', `/v1/escalations/${escalation.id}/resolve`, {
      key: api.keys.reviewer,
      body: { endSession: true, reviewer: 'Rita' },
    });
    expect([resolved.status, resolved.body.status]).toEqual([200, 'resolved']);
    expect(resolved.body.resolvedAt).not.toBeNull();
    expect(await api.runtime.getRun(run.id, { tenantId: 'acme' })).toMatchObject({ status: 'completed', output: 'Done: refunded in full.' });
    const detail = await api.json<EscalationDetail>('GET', `/v1/escalations/${escalation.id}`, { key: api.keys.viewer });
    expect(detail.body.resolution).toMatchObject({ actor: { kind: 'key', name: 'Rita' }, endSession: true });
    expect((await api.json<Page>('GET', `/v1/escalations?status=resolved&runId=${run.id}`, { key: api.keys.viewer })).body.data).toHaveLength(1);
    const again = await api.json<Failure>('POST', `/v1/escalations/${escalation.id}/resolve`, { key: api.keys.admin, body: {} });
    expect([again.status, again.body.error.code]).toEqual([409, 'ESCALATION_CLOSED']);
  });

  it('is refused to app and viewer keys, answers 404 to another tenant, refuses bad input, and changes nothing', async () => {
    const { run, escalation } = await api.openEscalation('roles-ana');
    const before = await api.store.readJournal(run.id);
    const attempts: Array<[string, string, unknown, number, string]> = [
      ['reply', api.keys.app, { message: 'hi' }, 403, 'FORBIDDEN'],
      ['reply', api.keys.viewer, { message: 'hi' }, 403, 'FORBIDDEN'],
      ['resolve', api.keys.app, {}, 403, 'FORBIDDEN'],
      ['resolve', api.keys.viewer, {}, 403, 'FORBIDDEN'],
      ['reply', api.keys.other, { message: 'hi' }, 404, 'ESCALATION_NOT_FOUND'],
      ['resolve', api.keys.other, {}, 404, 'ESCALATION_NOT_FOUND'],
      ['reply', api.keys.reviewer, { message: '' }, 400, 'INPUT_INVALID'],
      ['reply', api.keys.reviewer, { message: '   ' }, 400, 'INPUT_INVALID'],
      ['reply', api.keys.reviewer, {}, 400, 'INPUT_INVALID'],
      ['reply', api.keys.reviewer, { message: 'hi', handBack: 'yes' }, 400, 'INPUT_INVALID'],
      ['reply', api.keys.reviewer, { message: 'hi', to: 'someone' }, 400, 'INPUT_INVALID'],
      ['reply', api.keys.reviewer, { message: 'x'.repeat(100_001) }, 400, 'INPUT_INVALID'],
      ['resolve', api.keys.reviewer, { endSession: 1 }, 400, 'INPUT_INVALID'],
      ['resolve', api.keys.reviewer, { reviewer: '\u0007' }, 400, 'INPUT_INVALID'],
    ];
    for (const [action, key, body, status, code] of attempts) {
      const response = await api.json<Failure>('POST', `/v1/escalations/${escalation.id}/${action}`, { key, body });
      expect([action, JSON.stringify(body).slice(0, 40), response.status, response.body.error.code]).toEqual([
        action,
        JSON.stringify(body).slice(0, 40),
        status,
        code,
      ]);
    }
    const unknown = await api.json<Failure>('POST', '/v1/escalations/esc_unknown/reply', { key: api.keys.reviewer, body: { message: 'hi' } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'ESCALATION_NOT_FOUND']);
    expect(await api.store.readJournal(run.id)).toEqual(before);
    expect(await api.store.getEscalation('acme', escalation.id)).toMatchObject({ status: 'open' });
  });
});
