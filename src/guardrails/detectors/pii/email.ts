import { match, type PiiMatch } from './pii-types.ts';

// Local part, @, dot-separated domain labels, an alphabetic top-level domain.
const candidate =
  /(?<![\w.%+-])[A-Za-z0-9_%+-](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])/g;

// Addresses written to dodge scrapers: jane.doe[at]example[dot]com, jane(at)example.com,
// john@example[DOT]com. At least one bracketed [at]/(at)/{at} or [dot]/(dot)/{dot} is required, so
// plain prose ("meet at home") is never read as an address.
// Written without spaces, so an address is one token: the stream redactor's hold-back (the
// trailing run of non-whitespace) covers it while it is still being typed.
const at = String.raw`(?:[[({]at[\])}]|@)`;
const dot = String.raw`(?:[[({]dot[\])}]|\.)`;
const obfuscated = new RegExp(
  String.raw`(?<![\w.%+-])[A-Za-z0-9_%+-](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?${at}(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?${dot})+[A-Za-z]{2,24}(?![\w-])`,
  'gi',
);
const bracketed = /[[({](?:at|dot)[\])}]/i;

/**
 * E-mail addresses (ASCII, as RFC 5321 allows in practice: no quoted local parts, no IP literals),
 * also when written with [at] / [dot] in place of @ and dots.
 */
export function findEmails(text: string): PiiMatch[] {
  const found: PiiMatch[] = [];
  if (text.includes('@')) {
    for (const candidateMatch of text.matchAll(candidate)) {
      const value = candidateMatch[0];
      if (!value.includes('..')) found.push(match('email', text, candidateMatch.index, candidateMatch.index + value.length));
    }
  }
  if (bracketed.test(text)) {
    for (const candidateMatch of text.matchAll(obfuscated)) {
      const value = candidateMatch[0];
      const start = candidateMatch.index;
      if (bracketed.test(value) && !found.some((other) => start < other.end && other.start < start + value.length)) {
        found.push(match('email', text, start, start + value.length));
      }
    }
  }
  return found.sort((a, b) => a.start - b.start);
}
