import { describe, expect, it } from 'vitest';
import { findPii } from './find-pii.ts';
import { redactPii } from './redact-pii.ts';

describe('findPii', () => {
  it('finds every type with offsets into the original text (UTF-16, end exclusive)', () => {
    const text = '😀 Mail jane@example.com, call +1 650-253-0000, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, SSN 536-22-8762, host 10.1.2.3';
    const found = findPii(text);
    expect(found.map((match) => match.type)).toEqual(['email', 'phone', 'credit-card', 'iban', 'us-ssn', 'ip-address']);
    for (const match of found) expect(text.slice(match.start, match.end)).toBe(match.text);
  });

  it('finds nothing in the usual false-positive traps', () => {
    const traps = [
      'Order #100234567 shipped; ticket 4155552671.',
      'Unix time 1700000000, in ms 1700000000123.',
      '2024-03-15T10:22:31Z and 2024-03-15 and 15/03/2024.',
      'Versions 1.2.3 and 2.10.0.4-beta, build 10.0.0.1.5.',
      'UUID 550e8400-e29b-41d4-a716-446655440000.',
      'Commit 3f786850e387550fdab836ed7e6dc881de23001b.',
      'Ids 1234567812345678 and 9876543210123 fail Luhn or have no network.',
      'Price $1,234,567.89; pi 3.14159; ISBN 978-3-16-148410-0.',
    ];
    for (const text of traps) expect(findPii(text)).toEqual([]);
  });

  it('keeps the stricter type where candidates overlap', () => {
    const found = findPii('4111 1111 1111 1111');
    expect(found).toEqual([{ type: 'credit-card', start: 0, end: 19, text: '4111 1111 1111 1111' }]);
  });

  it('finds only the requested types', () => {
    expect(findPii('jane@example.com 10.1.2.3', { types: ['ip-address'] }).map((match) => match.type)).toEqual(['ip-address']);
  });
});

describe('redactPii', () => {
  it('replaces each value with its marker', () => {
    expect(redactPii('Mail jane@example.com or call (415) 555-2671; card 4111-1111-1111-1111; SSN 536-22-8762; IBAN GB82WEST12345698765432; IP ::1')).toBe(
      'Mail [EMAIL] or call [PHONE]; card [CREDIT_CARD]; SSN [US_SSN]; IBAN [IBAN]; IP [IP_ADDRESS]',
    );
  });

  it('redacts only the requested types and leaves text without PII unchanged', () => {
    expect(redactPii('jane@example.com from 10.1.2.3', { types: ['email'] })).toBe('[EMAIL] from 10.1.2.3');
    expect(redactPii('Nothing personal here.')).toBe('Nothing personal here.');
  });
});
