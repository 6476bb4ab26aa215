import { findPii, type FindPiiOptions } from './find-pii.ts';
import { piiMarkers } from './pii-types.ts';

/**
 * Replaces every value `findPii` finds with its type's marker: `[EMAIL]`, `[PHONE]`,
 * `[CREDIT_CARD]`, `[IBAN]`, `[US_SSN]`, `[IP_ADDRESS]`.
 *
 * @example
 * redactPii('Card 4111 1111 1111 1111, mail jane@example.com');
 * // 'Card [CREDIT_CARD], mail [EMAIL]'
 * redactPii('jane@example.com from 10.0.0.1', { types: ['email'] }); // '[EMAIL] from 10.0.0.1'
 */
export function redactPii(text: string, options: FindPiiOptions = {}): string {
  const matches = findPii(text, options);
  if (matches.length === 0) return text;
  let redacted = '';
  let from = 0;
  for (const found of matches) {
    redacted += text.slice(from, found.start) + piiMarkers[found.type];
    from = found.end;
  }
  return redacted + text.slice(from);
}
