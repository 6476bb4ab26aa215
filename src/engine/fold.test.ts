import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../journal/events.ts';
import { applyEvent, foldJournal, pastToolCalls, runMessages } from './fold.ts';

const at = '2026-01-01T00:00:00.000Z';
const usage = { inputTokens: 1, outputTokens: 1, cachedTokens: 0 };

function turn(step: number): JournalEvent[] {
  const callId = `call_${step}`;
  return [
    { type: 'step-start', step, attempt: 1 },
    {
      type: 'model-response',
      step,
      text: '',
      toolCalls: [{ callId, toolName: 'read', arguments: `{"id":${step}}` }],
      finishReason: 'tool-calls',
      usage,
      provider: 'test',
      modelId: 'test',
      latencyMs: 1,
    },
    { type: 'tool-call', step, callId, toolName: 'read', input: { id: step }, effect: 'read', idempotencyKey: `k${step}` },
  ];
}

function result(step: number): JournalEvent {
  return { type: 'tool-result', step, callId: `call_${step}`, output: { id: step }, durationMs: 1 };
}

function folded() {
  return foldJournal([{ type: 'run-start', agent: 'a', input: 'hi', sessionId: 's', userId: 'u', seq: 1, at, v: 1 }]);
}

describe('the fold, on a growing run', () => {
  it('hands out the same messages for steps that did not change, and rebuilds a step when its result arrives', () => {
    const state = folded();
    for (const event of [...turn(1), result(1), ...turn(2)]) applyEvent(state, event, at);
    const before = runMessages(state);
    applyEvent(state, result(2), at);
    const after = runMessages(state);
    // user, step 1's assistant + tool, step 2's assistant (+ its tool once its result is in)
    expect(before.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(after.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool']);
    expect(after[1]).toBe(before[1]);
    expect(after[2]).toBe(before[2]);
    expect(after[4]).toMatchObject({ role: 'tool', callId: 'call_2', content: { id: 2 } });
  });

  it('a tool-result verdict that arrives after the step was built changes its tool message', () => {
    const state = folded();
    for (const event of [...turn(1), result(1)]) applyEvent(state, event, at);
    expect(runMessages(state)[2]).toMatchObject({ content: { id: 1 } });
    applyEvent(
      state,
      {
        type: 'guardrail-decision',
        boundary: 'tool-result',
        step: 1,
        callId: 'call_1',
        guardrail: 'g',
        verdict: 'modify',
        reason: 'r',
        replacement: { output: 'hidden' },
        latencyMs: 0,
      },
      at,
    );
    expect(runMessages(state)[2]).toMatchObject({ content: 'hidden' });
  });

  it('hands out the same past tool calls while they stay as they are', () => {
    const state = folded();
    for (const event of [...turn(1), result(1), ...turn(2), result(2)]) applyEvent(state, event, at);
    const first = pastToolCalls(state);
    const second = pastToolCalls(state);
    expect(second).toHaveLength(2);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toEqual({ step: 2, callId: 'call_2', toolName: 'read', input: { id: 2 }, output: { id: 2 } });
  });
});
