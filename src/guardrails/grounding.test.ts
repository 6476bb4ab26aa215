import { describe, expect, it } from 'vitest';
import { grounding } from './grounding.ts';
import { check, outputSubject, pastCall } from './test-helpers.ts';

const history = [
  pastCall('lookup_order', { orderId: '100234' }, { id: '100234', total: 1234.5, currency: 'USD', items: 3, status: 'shipped', carrier: 'UPS' }),
  pastCall('search_kb', { query: 'refund policy' }, [
    { title: 'Refunds', text: 'Refunds are issued within 14 days of the return reaching our warehouse. A 12.5% restocking fee applies to opened items.' },
  ]),
  pastCall('get_rate', { pair: 'EUR/USD', amount: 2_500 }, undefined, { error: { code: 'TOOL_FAILED', message: 'rate 1.0842 unavailable' } }),
  pastCall('get_discount', { code: 'SPRING' }, { fraction: 0.175 }),
];

describe('grounding', () => {
  const guardrail = grounding();

  it('passes an answer whose figures and quotes appear in the tool results, written any way', async () => {
    const answer =
      'Order #100234 totals $1,234.50 and shipped with UPS. Per our policy, "refunds are issued within 14 days of the return reaching our warehouse", and opened items carry a 12.5% restocking fee.';
    expect(await check(guardrail, outputSubject(answer, history))).toEqual({ verdict: 'allow' });
    // Rounded to the answer's precision: 1,235 for 1234.5; a percentage for its fraction (17.5% for 0.175).
    expect(await check(guardrail, outputSubject('The total is about $1,235, less a 17.5% discount.', history))).toEqual({ verdict: 'allow' });
    expect(await check(guardrail, outputSubject('The total is about $1,230.', history))).toMatchObject({ verdict: 'escalate' });
  });

  it('escalates an answer with invented figures and quotes, listing them', async () => {
    const answer = 'Your refund of $1,500.00 will arrive within 30 days. Our policy says "all refunds are instant".';
    expect(await check(guardrail, outputSubject(answer, history))).toEqual({
      verdict: 'escalate',
      reason: 'Ungrounded answer: 3 claims in the answer do not appear in the run\'s tool results: 1,500.00, 30, "all refunds are instant".',
    });
  });

  it('does not count small numbers, list markers, errors or refused calls', async () => {
    const answer = '1. Check the 3 items.\n2) Wait 2 days.\n10. Done.\n11. Really done.\n12) Close the ticket.';
    expect(await check(guardrail, outputSubject(answer, history))).toEqual({ verdict: 'allow' });
    // A failed call is no source, not even its arguments.
    expect(await check(guardrail, outputSubject('Converting 2,500 EUR failed.', history))).toMatchObject({
      verdict: 'escalate',
      reason: expect.stringContaining(': 2,500.'),
    });
    // 1.0842 is below the default cut-off of 10; checked, it is ungrounded: the rate was only in an error.
    expect(await check(guardrail, outputSubject('The rate is 1.0842 today.', history))).toEqual({ verdict: 'allow' });
    expect(await check(grounding({ ignoreNumbersUpTo: 0 }), outputSubject('The rate is 1.0842 today.', history))).toMatchObject({
      verdict: 'escalate',
      reason: expect.stringContaining(': 1.0842.'),
    });
  });

  it('treats every claim as ungrounded in a run without tool results', async () => {
    expect(await check(guardrail, outputSubject('The Eiffel Tower is 330 metres tall.', []))).toMatchObject({
      verdict: 'escalate',
      reason: expect.stringContaining('1 claim in the answer does not appear'),
    });
    expect(await check(guardrail, outputSubject('Hello! How can I help?', []))).toEqual({ verdict: 'allow' });
  });

  it('reads a structured answer field by field', async () => {
    const output = { orderId: '100234', total: 1234.5, note: 'Refunds take 45 days' };
    expect(await check(guardrail, outputSubject(JSON.stringify(output), history, output))).toMatchObject({
      verdict: 'escalate',
      reason: "Ungrounded answer: 1 claim in the answer does not appear in the run's tool results: 45.",
    });
  });

  it('only cites the source tools when told, and blocks or flags as told', async () => {
    const answer = 'Order 100234 is on its way.';
    expect(await check(grounding({ sourceTools: ['search_kb'] }), outputSubject(answer, history))).toMatchObject({ verdict: 'escalate' });
    expect(await check(grounding({ action: 'block' }), outputSubject('It costs $99.', history))).toMatchObject({
      verdict: 'block',
      refusal: 'I couldn’t check that answer against my sources, so I won’t give it.',
    });
    expect(await check(grounding({ action: 'flag' }), outputSubject('It costs $99.', history))).toEqual({
      verdict: 'modify',
      reason: "Flagged, passed on unchanged: 1 claim in the answer does not appear in the run's tool results: 99.",
      replacement: { text: 'It costs $99.', output: 'It costs $99.' },
      changes: { flagged: true, ungroundedClaims: 1 },
    });
  });

  it('keeps personal data of the answer out of its reason', async () => {
    const verdict = await check(guardrail, outputSubject('Your card 4111 1111 1111 1111 was charged $2,000 on "the first of the month".', history));
    expect(verdict).toEqual({
      verdict: 'escalate',
      reason: 'Ungrounded answer: 6 claims in the answer do not appear in the run\'s tool results: [CREDIT_CARD], 2,000, "the first of the month".',
    });
  });
});
