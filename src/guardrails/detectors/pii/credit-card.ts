import { match, type PiiMatch } from './pii-types.ts';

// 13–19 digits, optionally in groups separated by single spaces or dashes; not glued to other
// digits, words or decimal points (so parts of longer numbers, amounts and ids are not read).
const candidate = /(?<![\w.,-])\d(?:[ -]?\d){12,18}(?![\w]|[.,]\d|-\d)/g;

/**
 * Payment card numbers: the right length for a card network's number range (IIN), a passing Luhn
 * check, and separators that group the digits as cards print them (4-4-4-4, 4-6-5, …).
 */
export function findCreditCards(text: string): PiiMatch[] {
  const found: PiiMatch[] = [];
  for (const candidateMatch of text.matchAll(candidate)) {
    const value = candidateMatch[0];
    const digits = value.replace(/[ -]/g, '');
    if (plausibleGrouping(value) && plausibleNetwork(digits) && passesLuhn(digits)) {
      found.push(match('credit-card', text, candidateMatch.index, candidateMatch.index + value.length));
    }
  }
  return found;
}

/** The Luhn (mod 10) checksum every payment card number carries in its last digit. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function plausibleGrouping(value: string): boolean {
  const separators = value.match(/[ -]/g);
  if (separators === null) return true;
  if (new Set(separators).size > 1) return false;
  const groups = value.split(/[ -]/).map((group) => group.length);
  const [first, ...rest] = groups;
  if (first !== 4) return false;
  // Amex and Diners print 4-6-5 and 4-6-4; the others groups of four with a shorter last group.
  if (rest.length === 2 && rest[0] === 6) return rest[1] === 5 || rest[1] === 4;
  return rest.slice(0, -1).every((length) => length === 4) && (rest.at(-1) ?? 0) >= 1 && (rest.at(-1) ?? 0) <= 4;
}

/** Issuer ranges and lengths of the major networks (Visa, Mastercard, Amex, Discover, …). */
function plausibleNetwork(digits: string): boolean {
  const length = digits.length;
  const prefix2 = Number(digits.slice(0, 2));
  const prefix3 = Number(digits.slice(0, 3));
  const prefix4 = Number(digits.slice(0, 4));
  if (digits.startsWith('4')) return length === 13 || length === 16 || length === 19; // Visa
  if (prefix2 >= 51 && prefix2 <= 55) return length === 16; // Mastercard
  if (prefix4 >= 2221 && prefix4 <= 2720) return length === 16; // Mastercard 2-series
  if (prefix4 >= 2200 && prefix4 <= 2204) return length >= 16 && length <= 19; // Mir
  if (prefix2 === 34 || prefix2 === 37) return length === 15; // American Express
  if ((prefix3 >= 300 && prefix3 <= 305) || prefix3 === 309 || prefix2 === 36 || prefix2 === 38 || prefix2 === 39) return length >= 14 && length <= 19; // Diners
  if (prefix4 >= 3528 && prefix4 <= 3589) return length >= 16 && length <= 19; // JCB
  if (digits.startsWith('6')) return length >= 16 && length <= 19; // Discover, UnionPay, RuPay, Maestro
  if (prefix2 === 50 || (prefix2 >= 56 && prefix2 <= 58)) return length >= 13 && length <= 19; // Maestro
  return false;
}
