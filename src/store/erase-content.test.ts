import { describe, expect, it } from 'vitest';
import { eraseEventContent } from './erase-content.ts';

describe('eraseEventContent', () => {
  it('keeps identifiers, numbers and codes, and blanks every piece of content', () => {
    expect(
      eraseEventContent({
        type: 'model-response',
        step: 2,
        text: 'Your card 4111 1111 1111 1111 is refunded',
        toolCalls: [{ callId: 'c1', toolName: 'refund', arguments: '{"card":"4111"}' }],
        finishReason: 'tool-calls',
        usage: { inputTokens: 10, outputTokens: 5, cachedTokens: 0 },
        provider: 'openai',
        modelId: 'gpt-4o-mini',
        latencyMs: 12,
        costNanoUsd: 4500,
      }),
    ).toEqual({
      type: 'model-response',
      step: 2,
      text: '',
      toolCalls: [{ callId: 'c1', toolName: 'refund', arguments: '' }],
      finishReason: 'tool-calls',
      usage: { inputTokens: 10, outputTokens: 5, cachedTokens: 0 },
      provider: 'openai',
      modelId: 'gpt-4o-mini',
      latencyMs: 12,
      costNanoUsd: 4500,
      erased: true,
    });
    expect(eraseEventContent({ type: 'tool-result', step: 1, callId: 'c1', output: { balance: 'secret' }, durationMs: 3 })).toEqual({
      type: 'tool-result',
      step: 1,
      callId: 'c1',
      output: null,
      durationMs: 3,
      erased: true,
    });
    expect(
      eraseEventContent({ type: 'run-end', status: 'failed', error: { code: 'TOOL_FAILED', message: 'card 4111 declined', details: { card: '4111' } } }),
    ).toEqual({
      type: 'run-end',
      status: 'failed',
      error: { code: 'TOOL_FAILED', message: '' },
      erased: true,
    });
  });

  it('keeps why a run waited or resumed, and blanks every free-text reason', () => {
    expect(eraseEventContent({ type: 'run-waiting', reason: 'human', details: { escalationId: 'esc_1', reason: 'card 4111 was declined' } })).toEqual({
      type: 'run-waiting',
      reason: 'human',
      details: { escalationId: 'esc_1' },
      erased: true,
    });
    expect(eraseEventContent({ type: 'run-resume', reason: 'approval', details: { approvalId: 'apr_1' } })).toMatchObject({ reason: 'approval' });
    const free = [
      {
        type: 'approval-decision',
        approvalId: 'apr_1',
        step: 1,
        callId: 'c1',
        decision: 'reject',
        reason: 'not for Ana Ortiz, she owes us',
        actor: { kind: 'cli' },
      },
      {
        type: 'approval-request',
        approvalId: 'apr_1',
        step: 1,
        callId: 'c1',
        toolName: 'refund',
        input: {},
        reason: 'flagged: Ana Ortiz',
        source: 'guardrail',
      },
      { type: 'escalation-open', escalationId: 'esc_1', trigger: 'agent-request', reason: 'Ana Ortiz threatens to sue', handoff: {} },
      { type: 'guardrail-decision', boundary: 'output', guardrail: 'content-policy', verdict: 'block', reason: 'blocked term "Ana Ortiz"', latencyMs: 1 },
    ];
    for (const event of free) {
      const erased = eraseEventContent(event);
      expect(JSON.stringify(erased)).not.toContain('Ana Ortiz');
      expect(erased).toMatchObject({ type: event.type, reason: '', erased: true });
    }
  });

  it('blanks a tool call’s arguments, a tool’s result and a structured answer whatever their keys are called', () => {
    const content = { to: 'bob@example.com', from: 'ana@example.com', code: 'GIFT-1234', status: 'VIP customer Ana', userId: 'ana', metadata: { note: 'Ana' } };
    const events = [
      { type: 'tool-call', step: 1, callId: 'c1', toolName: 'send_email', input: content, effect: 'unsafe', idempotencyKey: 'k' },
      { type: 'tool-result', step: 1, callId: 'c1', output: content, durationMs: 3 },
      { type: 'run-end', status: 'completed', output: content },
      { type: 'approval-request', approvalId: 'apr_1', step: 1, callId: 'c1', toolName: 'send_email', input: content, reason: 'x', source: 'tool' },
      { type: 'guardrail-decision', boundary: 'tool-call', guardrail: 'g', verdict: 'modify', reason: 'r', replacement: { args: content }, changes: content },
      { type: 'future-event', step: 1, list: [content], nested: content },
    ];
    for (const event of events) {
      const erased = eraseEventContent(event);
      expect(JSON.stringify(erased)).not.toMatch(/example\.com|GIFT|VIP|Ana/);
      expect(erased).toMatchObject({ type: event.type, erased: true });
    }
    expect(eraseEventContent(events[0]!)).toMatchObject({ input: null, toolName: 'send_email', callId: 'c1', idempotencyKey: 'k' });
  });

  it('blanks the content of event types it does not know', () => {
    const erased = eraseEventContent({ type: 'future-event', step: 1, note: 'private words', nested: { deep: ['private'] } });
    expect(JSON.stringify(erased)).not.toContain('private');
    expect(erased).toMatchObject({ type: 'future-event', step: 1, erased: true });
  });
});
