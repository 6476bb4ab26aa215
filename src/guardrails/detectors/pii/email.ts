import { match, type PiiMatch } from './pii-types.ts';

// Local part, @, dot-separated domain labels, an alphabetic top-level domain.
const candidate =
  /(?<![\w.%+-])[A-Za-z0-9_%+-](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])/g;

/** E-mail addresses (ASCII, as RFC 5321 allows in practice: no quoted local parts, no IP literals). */
export function findEmails(text: string): PiiMatch[] {
  if (!text.includes('@')) return [];
  const found: PiiMatch[] = [];
  for (const candidateMatch of text.matchAll(candidate)) {
    const value = candidateMatch[0];
    if (!value.includes('..')) found.push(match('email', text, candidateMatch.index, candidateMatch.index + value.length));
  }
  return found;
}
