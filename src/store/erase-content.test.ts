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

  it('blanks the content of event types it does not know', () => {
    const erased = eraseEventContent({ type: 'future-event', step: 1, note: 'private words', nested: { deep: ['private'] } });
    expect(JSON.stringify(erased)).not.toContain('private');
    expect(erased).toMatchObject({ type: 'future-event', step: 1, erased: true });
  });
});
