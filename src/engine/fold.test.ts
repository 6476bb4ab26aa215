import { describe, expect, it } from 'vitest';
import type { JournalEntry, JournalEvent } from '../journal/events.ts';
import { applyEvent, foldJournal, runMessages } from './fold.ts';
import { pastToolCalls } from './past-tool-calls.ts';

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

/** The journal a run with these events after its start would have. */
function journalOf(events: JournalEvent[]): JournalEntry[] {
  const start: JournalEntry = { type: 'run-start', agent: 'a', input: 'hi', sessionId: 's', userId: 'u', seq: 1, at, v: 1 };
  return [start, ...events.map((event, index) => ({ ...event, seq: index + 2, at, v: 1 }) as JournalEntry)];
}

describe('the conversation and past calls of a long run, kept between calls', () => {
  const person = { kind: 'key', keyId: 'key_1', name: 'Pat' } as const;
  const verdict = (step: number, replacement: string): JournalEvent => ({
    type: 'guardrail-decision',
    boundary: 'tool-result',
    step,
    callId: `call_${step}`,
    guardrail: 'g',
    verdict: 'modify',
    reason: 'r',
    replacement: { output: replacement },
    latencyMs: 0,
  });
  const answer = (step: number): JournalEvent[] => [
    { type: 'step-start', step, attempt: 1 },
    { type: 'model-response', step, text: 'not json', toolCalls: [], finishReason: 'stop', usage, provider: 'test', modelId: 'test', latencyMs: 1 },
  ];
  const escalation = (id: string, message: string): JournalEvent[] => [
    { type: 'escalation-open', escalationId: id, trigger: 'user-request', reason: 'asked for a person', handoff: {} },
    { type: 'escalation-reply', escalationId: id, message, handBack: true, actor: person },
    { type: 'escalation-resolve', escalationId: id, actor: person },
  ];
  const inputVerdict: JournalEvent = {
    type: 'guardrail-decision',
    boundary: 'input',
    guardrail: 'g',
    verdict: 'modify',
    reason: 'r',
    replacement: { text: 'hi, redacted' },
    latencyMs: 0,
  };

  /**
   * Applies `events` one by one and, after each, checks the kept conversation and past calls
   * against a fresh fold of the journal so far (which has nothing kept), twice in a row.
   */
  function expectSameAsFreshFold(events: JournalEvent[]) {
    const state = folded();
    for (const [index, event] of events.entries()) {
      applyEvent(state, event, at);
      const fresh = foldJournal(journalOf(events.slice(0, index + 1)));
      for (const call of ['first', 'second']) {
        expect(runMessages(state), `${call} conversation after event ${index} (${event.type})`).toEqual(runMessages(fresh));
        expect(pastToolCalls(state), `${call} past calls after event ${index} (${event.type})`).toEqual(pastToolCalls(fresh));
      }
    }
    return { state, messages: runMessages(state) };
  }

  it('are after every event what a fold of the journal so far gives, late changes to old steps included', () => {
    // Ten turns, then events that reach back: a verdict on step 2's result after step 10 exists,
    // a person's reply, a rejected answer and its repair, verdicts on step 5's result and step
    // 7's call, an input verdict.
    const { state, messages } = expectSameAsFreshFold([
      ...Array.from({ length: 10 }, (_, index) => [...turn(index + 1), result(index + 1)]).flat(),
      verdict(2, 'late'),
      ...turn(11),
      result(11),
      ...escalation('esc_1', 'a person speaking'),
      ...answer(12),
      { type: 'output-rejected', step: 12, error: { code: 'OUTPUT_INVALID', message: 'bad' }, repairAttempt: 1 },
      verdict(5, 'later still'),
      { type: 'guardrail-decision', boundary: 'tool-call', step: 7, callId: 'call_7', guardrail: 'g', verdict: 'block', reason: 'r', latencyMs: 0 },
      ...answer(13),
      inputVerdict,
    ]);
    expect(messages[0]).toEqual({ role: 'user', content: 'hi, redacted' });
    expect(messages.find((message) => message.role === 'tool' && message.callId === 'call_2')).toMatchObject({ content: 'late' });
    expect(messages.find((message) => message.role === 'tool' && message.callId === 'call_5')).toMatchObject({ content: 'later still' });
    expect(messages.filter((message) => message.content === 'a person speaking')).toHaveLength(1);
    expect(pastToolCalls(state).find((call) => call.callId === 'call_7')).toMatchObject({ refusedBy: 'g' });
  });

  it("a person's reply before the first step is in the conversation once, however many steps follow", () => {
    // A user who asks for a person at once: the escalation opens before any step (afterStep 0).
    const { messages } = expectSameAsFreshFold([...escalation('esc_0', 'Hi, a person here'), ...turn(1), result(1), ...turn(2), result(2), ...answer(3)]);
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'tool', 'assistant', 'tool', 'assistant']);
    expect(messages.filter((message) => message.content === 'Hi, a person here')).toHaveLength(1);
  });

  it('a caller that changes the array it was given changes nothing for the next caller', () => {
    const events = Array.from({ length: 6 }, (_, index) => [...turn(index + 1), result(index + 1)]).flat();
    const state = folded();
    for (const event of events) applyEvent(state, event, at);
    runMessages(state).splice(1, 3);
    pastToolCalls(state).length = 0;
    expect(runMessages(state)).toEqual(runMessages(foldJournal(journalOf(events))));
    expect(pastToolCalls(state)).toHaveLength(6);
  });
});
