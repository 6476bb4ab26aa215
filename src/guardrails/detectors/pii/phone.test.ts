import { describe, expect, it } from 'vitest';
import { findPhones } from './phone.ts';

const phones = (text: string, phoneRegions?: Parameters<typeof findPhones>[1]) => findPhones(text, phoneRegions).map((match) => match.text);

describe('findPhones', () => {
  it('finds international numbers, validated for their country', () => {
    expect(phones('UK +44 20 7946 0958, DE +49 30 901820, US +1 650-253-0000, FR 0033 1 42 68 53 00.')).toEqual([
      '+44 20 7946 0958',
      '+49 30 901820',
      '+1 650-253-0000',
      '0033 1 42 68 53 00',
    ]);
  });

  it('finds national numbers valid in a default region, with separators or after a phone word', () => {
    expect(phones('Call (415) 555-2671 or 020 7946 0958; ext (650) 253-0000 x1234')).toEqual(['(415) 555-2671', '020 7946 0958', '(650) 253-0000 x1234']);
    expect(phones('phone: 4155552671')).toEqual(['4155552671']);
    // The same digits with no phone word before them are an id, a count or a checksum.
    expect(phones('The checksum came back as 4155552671 today')).toEqual([]);
  });

  it('does not take ids, timestamps, dates, times, ZIP codes or SSN-shaped numbers for phones', () => {
    const text = 'order 4155552671, ts 1700000000 and 1700000000123, 2024-01-15, 12:30:45, 94105-1234, 536-22-8762, Apt. 712 21 36';
    expect(phones(text)).toEqual([]);
  });

  it('rejects numbers invalid everywhere, even if phone-shaped', () => {
    expect(phones('Call (000) 000-0000 or 111-111-1111 or 123-456-7890')).toEqual([]);
  });

  it('follows the region policy: a number valid only in Britain needs GB among the regions', () => {
    expect(phones('Tel. 020 7946 0958')).toEqual(['020 7946 0958']);
    expect(phones('Tel. 020 7946 0958', { phoneRegions: ['US'] })).toEqual([]);
  });

  it('reads German numbers without their trunk prefix only next to a phone word', () => {
    expect(phones('Ref 30 901820 12')).toEqual([]);
    expect(phones('Call me at 30 901820', { phoneRegions: ['DE'] })).toEqual(['30 901820']);
    expect(phones('Invoice 30 901820', { phoneRegions: ['DE'] })).toEqual([]);
  });
});
