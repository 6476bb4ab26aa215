import type { CountryCode } from 'libphonenumber-js/max';
import { findCreditCards } from './credit-card.ts';
import { findEmails } from './email.ts';
import { findIbans } from './iban.ts';
import { findIpAddresses } from './ip-address.ts';
import { findPhones } from './phone.ts';
import { piiTypes, type PiiMatch, type PiiType } from './pii-types.ts';
import { findUsSsns } from './us-ssn.ts';
import { requireText } from '../require-text.ts';

export interface FindPiiOptions {
  /** Only these types (default: all). */
  types?: readonly PiiType[];
  /** Regions tried for phone numbers written without a country code (default `defaultPhoneRegions`). */
  phoneRegions?: readonly CountryCode[];
}

/**
 * Finds e-mail addresses, phone numbers, payment card numbers, IBANs, US SSNs and IP addresses.
 * Every value is validated, not only shaped right: Luhn and issuer ranges for cards, mod-97 and
 * the country's length for IBANs, libphonenumber-js `max` metadata for phones, the SSA's
 * area/group/serial rules for SSNs. Order ids, bare 10-digit numbers, Unix timestamps, dates,
 * version strings, UUIDs and git hashes are not PII. Offsets are UTF-16 code units into `text`,
 * end exclusive; overlapping candidates keep the more strictly validated type.
 *
 * @example
 * findPii('Mail jane@example.com or call (415) 555-2671.');
 * // [{ type: 'email', start: 5, end: 21, text: 'jane@example.com' },
 * //  { type: 'phone', start: 30, end: 44, text: '(415) 555-2671' }]
 */
export function findPii(text: string, options: FindPiiOptions = {}): PiiMatch[] {
  requireText(text, 'text');
  const wanted = new Set(options.types ?? piiTypes);
  const candidates: PiiMatch[] = [];
  // Cheap guards: nothing below matches a text without digits, except e-mail addresses.
  const hasDigits = /\d/.test(text);
  if (wanted.has('credit-card') && hasDigits) candidates.push(...findCreditCards(text));
  if (wanted.has('iban') && hasDigits) candidates.push(...findIbans(text));
  if (wanted.has('email')) candidates.push(...findEmails(text));
  if (wanted.has('us-ssn') && hasDigits) candidates.push(...findUsSsns(text));
  if (wanted.has('ip-address')) candidates.push(...findIpAddresses(text));
  if (wanted.has('phone') && hasDigits) candidates.push(...findPhones(text, options.phoneRegions === undefined ? {} : { phoneRegions: options.phoneRegions }));
  return withoutOverlaps(candidates);
}

/** Overlapping candidates: the stricter type wins, then the longer match. */
function withoutOverlaps(candidates: PiiMatch[]): PiiMatch[] {
  const rank = (type: PiiType) => piiTypes.indexOf(type);
  const byPreference = [...candidates].sort((a, b) => rank(a.type) - rank(b.type) || b.end - b.start - (a.end - a.start));
  const kept: PiiMatch[] = [];
  for (const candidate of byPreference) {
    if (!kept.some((other) => candidate.start < other.end && other.start < candidate.end)) kept.push(candidate);
  }
  return kept.sort((a, b) => a.start - b.start);
}
