import { describe, expect, it } from 'vitest';
import { holdBackForRedaction } from './hold-back.ts';

const held = (text: string) => text.slice(text.length - holdBackForRedaction(text));

describe('holdBackForRedaction', () => {
  it('holds the trailing partial word of prose and nothing after a space', () => {
    expect(held('Hello wor')).toBe('wor');
    expect(held('Hello world ')).toBe('');
  });

  it('holds growing e-mail addresses, tokens and URLs whole', () => {
    expect(held('mail jane.doe@exa')).toBe('jane.doe@exa');
    expect(held('key ghp_abc123')).toBe('ghp_abc123');
  });

  it('holds digit groups that could still become a card, phone, IBAN or SSN', () => {
    expect(held('card 4111 1111 ')).toBe('4111 1111 ');
    expect(held('call +1 (415) 555-')).toBe('+1 (415) 555-');
    expect(held('IBAN GB82 WEST 1234 ')).toBe('IBAN GB82 WEST 1234 ');
    expect(held('call 415-555-2671 x')).toBe('415-555-2671 x');
  });

  it('holds an open private key block until its END line', () => {
    const open = 'key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow';
    expect(held(open)).toBe('-----BEGIN RSA PRIVATE KEY-----\nMIIEow');
    expect(held(`${open}\n-----END RSA PRIVATE KEY----- done `)).toBe('');
  });
});
