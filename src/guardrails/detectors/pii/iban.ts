import { countrySpecs, isValidIBAN } from 'ibantools';
import { match, type PiiMatch } from './pii-types.ts';

// A country code and two check digits at a word start, in either case.
const start = /(?<![A-Za-z0-9])([A-Za-z]{2})(\d{2})/g;

/**
 * IBANs, printed or electronic ("DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432"):
 * exactly the length the country's format has, its BBAN structure, and the mod-97 check (all by
 * `ibantools`). Reads either all upper or all lower case, never a mix.
 */
export function findIbans(text: string): PiiMatch[] {
  const found: PiiMatch[] = [];
  for (const head of text.matchAll(start)) {
    const country = (head[1] ?? '').toUpperCase();
    const length = countrySpecs[country]?.chars;
    if (length === undefined || length === null) continue;
    const end = consume(text, head.index, length);
    if (end === undefined) continue;
    const value = text.slice(head.index, end);
    const compact = value.replace(/ /g, '');
    if (compact !== compact.toUpperCase() && compact !== compact.toLowerCase()) continue;
    if (isValidIBAN(compact.toUpperCase())) found.push(match('iban', text, head.index, end));
  }
  return found;
}

/** Reads `length` letters and digits from `from`, allowing one space between them; the end offset. */
function consume(text: string, from: number, length: number): number | undefined {
  let taken = 0;
  let index = from;
  while (taken < length && index < text.length) {
    const character = text[index] ?? '';
    if (/[A-Za-z0-9]/.test(character)) {
      taken += 1;
      index += 1;
    } else if (character === ' ' && taken >= 4 && /[A-Za-z0-9]/.test(text[index + 1] ?? '')) index += 1;
    else return undefined;
  }
  if (taken < length || /[A-Za-z0-9]/.test(text[index] ?? '')) return undefined;
  return index;
}
