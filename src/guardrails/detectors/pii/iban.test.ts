import { describe, expect, it } from 'vitest';
import { findIbans } from './iban.ts';

const ibans = (text: string) => findIbans(text).map((match) => match.text);

describe('findIbans', () => {
  it('finds printed and electronic IBANs of several countries', () => {
    const text = 'DE89 3704 0044 0532 0130 00, GB82WEST12345698765432, FR1420041010050500013M02606 and NL91 ABNA 0417 1643 00.';
    expect(ibans(text)).toEqual(['DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'FR1420041010050500013M02606', 'NL91 ABNA 0417 1643 00']);
  });

  it('reads lower-case IBANs but not mixed case', () => {
    expect(ibans('gb82west12345698765432')).toEqual(['gb82west12345698765432']);
    expect(ibans('Gb82West12345698765432')).toEqual([]);
  });

  it('rejects a wrong checksum, a wrong length and an unknown country', () => {
    expect(ibans('DE89 3704 0044 0532 0130 01')).toEqual([]);
    expect(ibans('DE89 3704 0044 0532 0130 0')).toEqual([]);
    expect(ibans('DE89370400440532013000123')).toEqual([]);
    expect(ibans('QQ89370400440532013000')).toEqual([]);
  });

  it('stops at the country length, leaving the next word alone', () => {
    const text = 'IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX';
    const [match] = findIbans(text);
    expect(match?.text).toBe('DE89 3704 0044 0532 0130 00');
    expect(text.slice(match?.start, match?.end)).toBe(match?.text);
  });
});
