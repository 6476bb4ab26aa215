import { describe, expect, it } from 'vitest';
import { findUsSsns } from './us-ssn.ts';

const ssns = (text: string) => findUsSsns(text).map((match) => match.text);

describe('findUsSsns', () => {
  it('finds dashed SSNs anywhere, undashed ones after words that name an SSN', () => {
    expect(ssns('Form: 536-22-8762. SSN: 536228763, social security number 536 22 8764.')).toEqual(['536-22-8762', '536228763', '536 22 8764']);
  });

  it('applies the area, group and serial rules and skips published examples', () => {
    expect(ssns('000-12-3456 666-12-3456 912-34-5678 123-00-4567 123-45-0000 078-05-1120')).toEqual([]);
  });

  it('does not read bare nine digits or space-grouped digits without an SSN word', () => {
    expect(ssns('Suite 680 36 4022 and order 536228763')).toEqual([]);
  });
});
