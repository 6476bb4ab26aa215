import { describe, expect, it } from 'vitest';
import { maxToolCalls } from './max-tool-calls.ts';
import { check, pastCall, toolCallSubject } from './test-helpers.ts';

const history = [
  pastCall('search', { q: 'a' }, ['r1']),
  pastCall('search', { q: 'b' }, ['r2']),
  pastCall('send_email', { to: 'a@example.com' }, { sent: true }),
  pastCall('send_email', { to: 'b@example.com' }, undefined, { error: { code: 'GUARDRAIL_BLOCKED', message: 'no' }, refusedBy: 'tool-arguments' }),
];

describe('maxToolCalls', () => {
  it('refuses the call past the run limit, counting calls that ran and not those a guardrail refused', async () => {
    expect(await check(maxToolCalls({ max: 4 }), toolCallSubject('search', { q: 'c' }, history))).toEqual({ verdict: 'allow' });
    expect(await check(maxToolCalls({ max: 3 }), toolCallSubject('search', { q: 'c' }, history))).toEqual({
      verdict: 'block',
      reason: 'The run has made 3 tool calls, its limit. No more tools will run: answer with the information you have.',
    });
  });

  it('refuses a tool past its own limit while others still run', async () => {
    const guardrail = maxToolCalls({ max: 10, perTool: { send_email: 1, search: 3 } });
    expect(await check(guardrail, toolCallSubject('send_email', { to: 'c@example.com' }, history))).toEqual({
      verdict: 'block',
      reason: 'send_email has been called 1 time in this run, its limit. Do not call it again: use its results so far.',
    });
    expect(await check(guardrail, toolCallSubject('search', { q: 'c' }, history))).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, toolCallSubject('lookup', {}, history))).toEqual({ verdict: 'allow' });
  });

  it('ends the run instead with action stop', async () => {
    expect(await check(maxToolCalls({ max: 1, action: 'stop' }), toolCallSubject('search', {}, history))).toMatchObject({ verdict: 'block', end: true });
  });

  it('refuses limits that are not positive whole numbers', () => {
    expect(() => maxToolCalls({ max: 0 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => maxToolCalls({ max: 5, perTool: { search: 1.5 } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('perTool.search') }),
    );
  });
});
