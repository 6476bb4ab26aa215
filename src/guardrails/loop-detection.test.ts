import { describe, expect, it } from 'vitest';
import type { PastToolCall } from '../sdk/define-guardrail.ts';
import { loopDetection } from './loop-detection.ts';
import { check, pastCall, toolCallSubject } from './test-helpers.ts';

const same = (count: number, extra: Partial<PastToolCall> = {}) =>
  Array.from({ length: count }, () => pastCall('search', { q: 'refund policy' }, ['Refunds within 14 days'], extra));
const refused = (count: number) =>
  Array.from({ length: count }, () =>
    pastCall('search', { q: 'refund policy' }, undefined, { error: { code: 'GUARDRAIL_BLOCKED', message: 'hint' }, refusedBy: 'loop-detection' }),
  );

describe('loopDetection', () => {
  const guardrail = loopDetection();

  it('lets a call repeat up to the limit, then refuses it with a hint', async () => {
    expect(await check(guardrail, toolCallSubject('search', { q: 'refund policy' }, same(2)))).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, toolCallSubject('search', { q: 'refund policy' }, same(3)))).toEqual({
      verdict: 'block',
      reason:
        'The call search with these arguments already ran 3 times with the same result each time. This call was not run again: use the result you already have, or try something different.',
    });
    // Other arguments are another call.
    expect(await check(guardrail, toolCallSubject('search', { q: 'shipping' }, same(3)))).toEqual({ verdict: 'allow' });
  });

  it('ends the run, or asks a person, once the model ignored the hints', async () => {
    const history = [...same(3), ...refused(3)];
    expect(await check(guardrail, toolCallSubject('search', { q: 'refund policy' }, history))).toMatchObject({ verdict: 'block', end: true });
    expect(await check(loopDetection({ action: 'approval' }), toolCallSubject('search', { q: 'refund policy' }, history))).toMatchObject({
      verdict: 'require-approval',
    });
  });

  it('refuses a tool that keeps failing the same way, and an A-B-A-B alternation', async () => {
    const failing = Array.from({ length: 3 }, (_, index) =>
      pastCall('charge', { attempt: index }, undefined, { error: { code: 'TOOL_FAILED', message: 'card declined' } }),
    );
    expect(await check(guardrail, toolCallSubject('charge', { attempt: 9 }, failing))).toMatchObject({
      verdict: 'block',
      reason: expect.stringContaining('failed 3 times in a row'),
    });
    const alternating = Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? pastCall('open', { id: 1 }, 'a') : pastCall('close', { id: 1 }, 'b')));
    // Each call alone repeats only 3 times: with a higher repeat limit, the alternation is what is caught.
    expect(await check(loopDetection({ repeatsBeforeHint: 5 }), toolCallSubject('open', { id: 1 }, alternating))).toMatchObject({
      verdict: 'block',
      reason: expect.stringContaining('keeps alternating between the same two calls (3 rounds)'),
    });
  });

  it('lets calls through when something changed: a result, an error, the alternation or its results', async () => {
    // The same call, but its last result differs from the two before: progress, not a loop.
    const changing = [...same(2), pastCall('search', { q: 'refund policy' }, ['Refunds within 30 days'])];
    expect(await check(guardrail, toolCallSubject('search', { q: 'refund policy' }, changing))).toEqual({ verdict: 'allow' });
    // Refused calls are not executions: two runs and three refusals are not three runs.
    expect(await check(loopDetection({ hintsBeforeAction: 9 }), toolCallSubject('search', { q: 'refund policy' }, [...same(2), ...refused(3)]))).toEqual({
      verdict: 'allow',
    });
    // Failing differently each time, or a success among the last three, is no error streak.
    const differently = ['declined', 'expired', 'declined'].map((message, index) =>
      pastCall('charge', { attempt: index }, undefined, { error: { code: 'TOOL_FAILED', message } }),
    );
    expect(await check(guardrail, toolCallSubject('charge', { attempt: 9 }, differently))).toEqual({ verdict: 'allow' });
    const recovered = [...differently.slice(0, 2), pastCall('charge', { attempt: 2 }, { ok: true })];
    expect(await check(guardrail, toolCallSubject('charge', { attempt: 9 }, recovered))).toEqual({ verdict: 'allow' });
    // An alternation whose results change, or the other call of it coming next, is not caught.
    const lenient = loopDetection({ repeatsBeforeHint: 5 });
    const moving = Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? pastCall('open', { id: 1 }, `a${index}`) : pastCall('close', { id: 1 }, 'b')));
    expect(await check(lenient, toolCallSubject('open', { id: 1 }, moving))).toEqual({ verdict: 'allow' });
    const alternating = Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? pastCall('open', { id: 1 }, 'a') : pastCall('close', { id: 1 }, 'b')));
    expect(await check(lenient, toolCallSubject('close', { id: 1 }, alternating))).toEqual({ verdict: 'allow' });
    // Only the last 2 × rounds executions count: an older call breaking the pattern does not hide it.
    const late = [pastCall('other', {}, 'x'), ...alternating];
    expect(await check(lenient, toolCallSubject('open', { id: 1 }, late))).toMatchObject({ verdict: 'block' });
  });

  it('refuses limits that are not whole numbers of at least 1, when the agent is defined', () => {
    for (const options of [{ cycleRoundsBeforeHint: 0 }, { repeatsBeforeHint: 2.5 }, { errorStreakBeforeHint: -1 }, { hintsBeforeAction: Number.NaN }]) {
      expect(() => loopDetection(options), JSON.stringify(options)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });
});
