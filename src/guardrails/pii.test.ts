import { describe, expect, it } from 'vitest';
import { fixturePiiRows } from '../../bench/lib/guardrail-corpora.ts';
import { pii } from './pii.ts';
import { check, inputSubject, modelOutputSubject, outputSubject, seededRandom, streamThrough, toolResultSubject } from './test-helpers.ts';

const answer = 'Your order ships to Jane Doe, jane.doe@example.com, +1 (415) 555-2671. Card on file: 4111 1111 1111 1111.';

describe('pii', () => {
  it('redacts personal data from the answer, counting it by kind and never holding a value', async () => {
    const verdict = await check(pii(), outputSubject(answer));
    const redacted = 'Your order ships to Jane Doe, [EMAIL], [PHONE]. Card on file: [CREDIT_CARD].';
    expect(verdict).toEqual({
      verdict: 'modify',
      reason: 'Redacted 1 e-mail address, 1 phone number and 1 payment card number from the answer.',
      replacement: { text: redacted, output: redacted },
      changes: { email: 1, phone: 1, 'credit-card': 1 },
    });
    expect(JSON.stringify(verdict.verdict === 'modify' && [verdict.reason, verdict.changes])).not.toMatch(/jane|4111|555/);
  });

  it('redacts a structured answer field by field, counting each value once', async () => {
    const output = { customer: { email: 'jane.doe@example.com' }, notes: ['Call +1 (415) 555-2671 after 5pm'], total: 42 };
    const verdict = await check(pii(), outputSubject(JSON.stringify(output), [], output));
    expect(verdict).toMatchObject({
      verdict: 'modify',
      replacement: {
        text: JSON.stringify({ customer: { email: '[EMAIL]' }, notes: ['Call [PHONE] after 5pm'], total: 42 }),
        output: { customer: { email: '[EMAIL]' }, notes: ['Call [PHONE] after 5pm'], total: 42 },
      },
      changes: { email: 1, phone: 1 },
    });
  });

  it('redacts the user message, model turns and every string of a tool result', async () => {
    expect(await check(pii(), inputSubject('My IBAN is DE89 3704 0044 0532 0130 00.'))).toMatchObject({
      replacement: { text: 'My IBAN is [IBAN].' },
      changes: { iban: 1 },
    });
    expect(await check(pii(), modelOutputSubject('Let me check 10.20.30.40 for you.'))).toMatchObject({
      replacement: { text: 'Let me check [IP_ADDRESS] for you.' },
    });
    const row = { id: 1001, name: 'Jane', ssn: '536-22-8763', contacts: ['jane@example.org', 'no email here'] };
    expect(await check(pii(), toolResultSubject('lookup_customer', row))).toEqual({
      verdict: 'modify',
      reason: 'Redacted 1 US social security number and 1 e-mail address from the result of lookup_customer.',
      replacement: { output: { id: 1001, name: 'Jane', ssn: '[US_SSN]', contacts: ['[EMAIL]', 'no email here'] } },
      changes: { 'us-ssn': 1, email: 1 },
    });
  });

  it('redacts every field of a long table, each value where it is', async () => {
    const rows = Array.from({ length: 60 }, (_, index) => ({
      id: 1000 + index,
      email: `customer${index}@example.com`,
      phone: `+1 (415) 555-${String(2600 + index)}`,
      note: index % 2 === 0 ? 'Prefers e-mail.' : `Call +1 (415) 555-${String(2600 + index)} after 5pm`,
    }));
    const verdict = await check(pii(), toolResultSubject('list_customers', rows));
    expect(verdict).toMatchObject({ verdict: 'modify', changes: { email: 60, phone: 90 } });
    expect(verdict.verdict === 'modify' && verdict.replacement.output).toEqual(
      rows.map((row, index) => ({ id: row.id, email: '[EMAIL]', phone: '[PHONE]', note: index % 2 === 0 ? 'Prefers e-mail.' : 'Call [PHONE] after 5pm' })),
    );
  });

  it('looks only for the types asked for', async () => {
    const verdict = await check(pii({ types: ['credit-card'] }), outputSubject(answer));
    expect(verdict).toMatchObject({
      replacement: { text: 'Your order ships to Jane Doe, jane.doe@example.com, +1 (415) 555-2671. Card on file: [CREDIT_CARD].' },
      changes: { 'credit-card': 1 },
    });
    expect(await check(pii({ types: ['iban'] }), outputSubject(answer))).toEqual({ verdict: 'allow' });
  });

  it('blocks with a refusal at the answer, withholds a tool result, or flags, as told', async () => {
    expect(await check(pii({ action: 'block' }), outputSubject(answer))).toEqual({
      verdict: 'block',
      reason: 'The answer contains 1 e-mail address, 1 phone number and 1 payment card number.',
      refusal: 'I can’t share that: it contains personal data.',
    });
    expect(await check(pii({ action: 'block', refusal: 'No.' }), toolResultSubject('lookup', { email: 'a.b@example.com' }))).toEqual({
      verdict: 'block',
      reason: 'The result of lookup was withheld: it contains 1 e-mail address.',
    });
    expect(await check(pii({ action: 'flag' }), outputSubject(answer))).toEqual({
      verdict: 'modify',
      reason: 'Flagged, passed on unchanged: the answer contains 1 e-mail address, 1 phone number and 1 payment card number.',
      replacement: { text: answer, output: answer },
      changes: { flagged: true, email: 1, phone: 1, 'credit-card': 1 },
    });
  });

  it('lets text without personal data through', async () => {
    for (const text of ['Order 1001 shipped on 2024-05-01.', 'Version 1.2.3.4 is out.', 'Call us any time.']) {
      expect(await check(pii(), outputSubject(text))).toEqual({ verdict: 'allow' });
    }
  });

  it('redacts streamed text exactly as it redacts the whole answer, however it is split', async () => {
    const guardrail = pii();
    const random = seededRandom(2_026_0522);
    const texts = [
      answer,
      ...fixturePiiRows()
        .filter((row) => row.spans.length > 0)
        .slice(0, 80)
        .map((row) => row.text),
    ];
    for (const text of texts) {
      const whole = await check(guardrail, modelOutputSubject(text));
      const expected = whole.verdict === 'modify' ? whole.replacement.text : text;
      for (let trial = 0; trial < 3; trial += 1) {
        const pieces = streamThrough(guardrail, text, () => 1 + Math.floor(random() * 6));
        expect(pieces.join('')).toBe(expected);
      }
    }
    // No fragment of a value leaks before its marker.
    for (const piece of streamThrough(guardrail, answer, () => 3)) expect(piece).not.toMatch(/\d{4}|@/);
  });

  it('redacts the stream for block, and leaves it alone for flag', () => {
    expect(pii({ action: 'block' }).streamRedaction).toBeDefined();
    expect(pii({ action: 'flag' }).streamRedaction).toBeUndefined();
    expect(pii({ types: ['email'] }).streamRedaction?.redact('jane@example.com at 10.0.0.1')).toBe('[EMAIL] at 10.0.0.1');
  });

  it('refuses unknown types and actions', () => {
    expect(() => pii({ types: ['passport' as 'email'] })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('types') }),
    );
    expect(() => pii({ action: 'mask' as 'redact' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
