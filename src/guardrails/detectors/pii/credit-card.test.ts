import { describe, expect, it } from 'vitest';
import { findCreditCards, passesLuhn } from './credit-card.ts';

const cards = (text: string) => findCreditCards(text).map((match) => match.text);

describe('passesLuhn', () => {
  it('accepts valid check digits and rejects a changed digit', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(passesLuhn('378282246310005')).toBe(true);
  });
});

describe('findCreditCards', () => {
  it('finds cards of the major networks, bare, spaced and dashed', () => {
    const text = 'Visa 4111 1111 1111 1111, MC 5555555555554444, Amex 3782-822463-10005, Discover 6011000990139424, 2-series 2223000048400011.';
    expect(cards(text)).toEqual(['4111 1111 1111 1111', '5555555555554444', '3782-822463-10005', '6011000990139424', '2223000048400011']);
  });

  it('rejects numbers that fail Luhn, have no card network, or are grouped unlike a card', () => {
    const text = [
      'order 4111111111111112', // fails Luhn
      'id 1234567890128', // passes Luhn, but no network starts with 1
      'ts 1700000000123',
      'grouped 41 1111 1111 1111 11', // passes Luhn, not grouped like a card
      'mixed 4111-1111 1111-1111',
      'amount 4,111,111,111,111,111.00',
    ].join('; ');
    expect(cards(text)).toEqual([]);
  });

  it('does not read cards out of longer digit runs or words', () => {
    expect(cards('x41111111111111110 and user4111111111111111@example.com')).toEqual([]);
  });

  it('reports offsets into the original text', () => {
    const text = 'Pay with 4111 1111 1111 1111 today';
    const [match] = findCreditCards(text);
    expect(match).toEqual({ type: 'credit-card', start: 9, end: 28, text: '4111 1111 1111 1111' });
    expect(text.slice(match?.start, match?.end)).toBe(match?.text);
  });
});
