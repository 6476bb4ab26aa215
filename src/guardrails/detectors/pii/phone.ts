import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { match, type PiiMatch } from './pii-types.ts';

// Digit groups (one may be in parentheses) joined by spaces, dots, dashes or slashes, with an
// optional + or 00 prefix and extension. Deliberately loose: libphonenumber-js decides.
const candidate =
  /(?<![\w+@$€£.,/-])(?:\+|\b00)?(?:\(\d{1,5}\)|\d{1,15})(?:(?:[ .\-/]{1,2}|(?=\()|(?<=\)))(?:\(\d{1,5}\)|\d{1,6})){0,6}(?:\s?(?:x|ext\.?|extension|#)\s?\d{1,6})?(?![\w@]|[.,\-/]\d)/g;
const extension = /\s?(?:x|ext\.?|extension|#)\s?\d{1,6}$/;
const dateOrTime = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}|\d{1,2}:\d{2})/;
// A bare run of digits is a phone number only right after words like these.
// Numbers right after these words are parts of an address or identifiers, not phone numbers;
// right after a country code and check digits ("DE89 …") they are part of an IBAN.
const notPhoneContext =
  /(?:\b(?:apt|apartment|suite|ste|unit|room|rm|floor|fl|flat|building|bldg|box|house|order|invoice|ref|reference|id|ticket|account|acct|item|items|sku|case|transaction|tx|zip|postcode|postal code|iban|bic|license|licence|passport|member|customer|policy|serial|tracking|routing|ssn|tax)\.?\s*(?:#|no\.?|number|nr\.?|id)?[\s:#-]*|\b[A-Za-z]{2}\d{2} )$/i;
// Shapes that belong to other identifiers: US ZIP+4 (94105-1234), SSN-shaped ddd-dd-dddd.
const otherShapes = /^(?:\d{5}-\d{4}|\d{3}-\d{2}-\d{4})$/;
const phoneContext =
  /(?:\b(?:phone|telephone|tel|mobile|cell|cellphone|fax|whatsapp|sms|text me|call|calling|reach me|dial|ring)\b\.?|☎|📞)[\s:.#-]*(?:(?:me|us|him|her|them|at|on|is|was|number|no\.?|nr\.?)[\s:.-]*){0,3}$/i;

/**
 * The regions a number without a country code may belong to by default: the US and Canada, the
 * UK, the largest EU markets, Australia, India and Brazil. Pass `phoneRegions: ['US']` for a
 * stricter reading (fewer false positives on grouped numbers, fewer foreign numbers found).
 */
export const defaultPhoneRegions: readonly CountryCode[] = ['US', 'CA', 'GB', 'DE', 'FR', 'IT', 'ES', 'NL', 'AU', 'IN', 'BR'];

// The digits of a nationally written number in each default region: a cheap, deliberately loose
// shape check (trunk prefix, length) so libphonenumber-js, at 10–50 µs a parse, only runs for
// regions the number could belong to. Regions not listed are always tried. Germany is the one
// region where the shape matters for meaning: its metadata accepts almost any 7–12 digits once the
// trunk 0 is left out, so a German reading without the 0 counts only next to a word such as
// "phone", "call" or "fax" (see `looseRegions`).
const nationalShapes: Partial<Record<CountryCode, RegExp>> = {
  US: /^1?[2-9]\d{9}$/,
  CA: /^1?[2-9]\d{9}$/,
  GB: /^0\d{9,10}$/,
  DE: /^0\d{5,12}$/,
  FR: /^0\d{9}$/,
  IT: /^(?:0\d{5,10}|3\d{8,9})$/,
  ES: /^[6-9]\d{8}$/,
  NL: /^0\d{9}$/,
  AU: /^(?:0\d{9}|1[38]00\d{6})$/,
  IN: /^(?:0\d{9,10}|[6-9]\d{9})$/,
  // Brazilian numbers are written with a two-digit area code first ("(11) 4706-6184"), which
  // tells them from the NANP-style 3-3-4 groups that BR's metadata would also accept.
  BR: /^\(?0?[1-9]{2}\)?[ .-]?9?\d{4}[ .-]?\d{4}$/,
};
// Regions whose shape is checked on the number as written, separators included.
const shapeAsWritten: readonly CountryCode[] = ['BR'];
// Regions whose numbers, written without their trunk prefix, are accepted only with phone words
// around them.
const looseRegions: readonly CountryCode[] = ['DE'];
const phoneContextAfter = /^\s?[-,(]?\s?(?:office|fax|mobile|cell|home|work|tel|phone|landline)\b/i;

export interface PhoneOptions {
  /**
   * Regions tried, in order, for numbers written without a country code (`+…` or `00…`): a
   * number counts when it is valid in one of them. Default `defaultPhoneRegions`.
   */
  phoneRegions?: readonly CountryCode[];
}

/**
 * Phone numbers, validated by libphonenumber-js with its `max` metadata (valid number ranges per
 * region, not only lengths). Policy for free text:
 * - with `+` or `00` and a country code: valid for that country;
 * - without: valid in one of `phoneRegions` (default `defaultPhoneRegions`);
 * - a bare run of digits with no separators (`4155552671`) only right after a word such as
 *   "phone", "call" or "tel": bare 10-digit ids and Unix timestamps are not phone numbers;
 * - never a date, a time, a ZIP+4 or an SSN-shaped number, nor a number right after "Apt.",
 *   "Suite", "Order", "Invoice", "Ref", "ID" and similar words.
 */
export function findPhones(text: string, options: PhoneOptions = {}): PiiMatch[] {
  const regions = options.phoneRegions ?? defaultPhoneRegions;
  const found: PiiMatch[] = [];
  // One verdict per distinct candidate within this call (lists repeat numbers); nothing is kept
  // between calls, so no phone number outlives the text it came from.
  const verdicts = new Map<string, Verdict>();
  for (const candidateMatch of text.matchAll(candidate)) {
    const value = candidateMatch[0];
    if (notPhoneContext.test(text.slice(Math.max(0, candidateMatch.index - 24), candidateMatch.index))) continue;
    if (acceptable(text, candidateMatch.index, value, regions, verdicts))
      found.push(match('phone', text, candidateMatch.index, candidateMatch.index + value.length));
  }
  return found;
}

function acceptable(text: string, start: number, value: string, regions: readonly CountryCode[], verdicts: Map<string, Verdict>): boolean {
  const main = value.replace(extension, '');
  const digits = countDigits(main);
  if (digits < 7 || digits > 15 || dateOrTime.test(main) || otherShapes.test(main)) return false;
  const international = main.startsWith('+') || main.startsWith('00');
  if (!/[ .\-/()]/.test(main.replace(/^\+/, '')) && !phoneContext.test(text.slice(Math.max(0, start - 32), start))) return false;
  let verdict = verdicts.get(main);
  if (verdict === undefined) {
    verdict = international ? validInternational(main) : validNational(main, regions);
    verdicts.set(main, verdict);
  }
  if (verdict !== 'loose') return verdict === 'valid';
  return phoneContext.test(text.slice(Math.max(0, start - 32), start)) || phoneContextAfter.test(text.slice(start + value.length, start + value.length + 16));
}

function validInternational(main: string): Verdict {
  return parsePhoneNumberFromString(main.startsWith('00') ? `+${main.slice(2)}` : main)?.isValid() === true ? 'valid' : 'invalid';
}

/** `valid` in a region as written nationally there, `loose` only in a loose region without its trunk prefix. */
function validNational(main: string, regions: readonly CountryCode[]): Verdict {
  const digits = main.replace(/\D/g, '');
  const valid = (region: CountryCode) => parsePhoneNumberFromString(main, region)?.isValid() === true;
  const shaped = (region: CountryCode) => nationalShapes[region]?.test(shapeAsWritten.includes(region) ? main : digits) ?? true;
  if (regions.some((region) => shaped(region) && valid(region))) return 'valid';
  return regions.some((region) => looseRegions.includes(region) && valid(region)) ? 'loose' : 'invalid';
}

type Verdict = 'valid' | 'loose' | 'invalid';

function countDigits(value: string): number {
  let count = 0;
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code >= 48 && code <= 57) count += 1;
  }
  return count;
}
