import { describe, expect, it } from 'vitest';
import type { EscalationDetail } from '../../oversight/escalation-detail.ts';
import { escalationView } from './escalation-view.ts';

const hostile = '<script>alert(1)</script>';

function escalation(handoff: Record<string, unknown>, overrides: Partial<EscalationDetail> = {}): EscalationDetail {
  return {
    id: 'esc_1',
    tenantId: 'acme',
    runId: 'run_1',
    agent: 'support',
    userId: 'ana',
    sessionId: 'ses_1',
    trigger: 'agent-request',
    reason: `stuck ${hostile}`,
    handoff,
    status: 'open',
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
    resolvedAt: null,
    replies: [],
    resolution: null,
    ...overrides,
  };
}

const render = async (detail: EscalationDetail, canRespond = true) =>
  (await escalationView(detail, { run: undefined, canRespond, now: Date.parse('2026-12-01T10:05:00.000Z') })).toString();

describe('escalationView', () => {
  it('shows a handoff package of any shape as text: a summary when there is one, unknown parts as JSON, malformed parts without failing', async () => {
    const page = await render(
      escalation({
        summary: `The user wants a refund ${hostile}`,
        request: hostile,
        tried: [{ tool: 'lookup_order', input: '{"orderId":"1"}', outcome: 'failed: TOOL_FAILED', result: hostile }, 'not an object', null],
        transcript: 'not a list',
        steps: 2,
        sentiment: { score: -0.8, note: hostile },
      }),
    );
    expect(page).toContain('<dt>Summary</dt>');
    expect(page).toContain('The user wants a refund &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('failed: TOOL_FAILED');
    expect(page).toContain('More of the handoff');
    expect(page).toContain('&quot;score&quot;: -0.8');
    expect(page).not.toContain('<script>');
  });

  it('shows the replies and, once closed, no forms; without the permission to respond, none either', async () => {
    const actor = { kind: 'key' as const, keyId: 'key_1', name: 'Rita' };
    const closed = await render(
      escalation(
        {},
        {
          status: 'resolved',
          replies: [{ message: `On its way ${hostile}`, handBack: false, actor, at: '2026-12-01T10:01:00.000Z', seq: 9 }],
          resolution: { actor, endSession: true, at: '2026-12-01T10:02:00.000Z' },
        },
      ),
    );
    expect(closed).toContain('On its way &lt;script&gt;');
    expect(closed).toContain('Resolved by Rita (key key_1)');
    expect(closed).toContain('the conversation is over');
    expect(closed).not.toContain('<form');
    const readOnly = await render(escalation({}), false);
    expect(readOnly).not.toContain('<form');
    expect(readOnly).toContain('Your role can read escalations but not answer them.');
  });
});
