import { isIPv6 } from 'node:net';
import { match, type PiiMatch } from './pii-types.ts';

const octet = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
// Four octets without leading zeros, not part of a longer dotted run (1.2.3.4.5) or a word.
const ipv4 = new RegExp(`(?<![\\w.:-])${octet}(?:\\.${octet}){3}(?![\\w-]|\\.\\d)`, 'g');
// Runs of hex digits and colons (and dots, for an embedded IPv4 tail) with two colons or more;
// node:net decides whether a run is an IPv6 address.
const ipv6 = /(?<![\w:.])(?=[0-9A-Fa-f:.]*:[0-9A-Fa-f.]*:)[0-9A-Fa-f:.]{2,45}(?![\w:])/g;
const versionContext = /(?:\bversions?|\bver\.?|\brelease|\bbuild|\bv|\bfirmware|\bpatch|\bupdate)\s*:?\s*$/i;

/**
 * IPv4 addresses (four octets 0–255, no leading zeros) and IPv6 addresses (validated by
 * node:net), but not version strings ("version 1.2.3.4"), longer dotted runs or dates.
 */
export function findIpAddresses(text: string): PiiMatch[] {
  const found: PiiMatch[] = [];
  if (text.includes('.')) {
    for (const candidateMatch of text.matchAll(ipv4)) {
      if (versionContext.test(text.slice(Math.max(0, candidateMatch.index - 16), candidateMatch.index))) continue;
      found.push(match('ip-address', text, candidateMatch.index, candidateMatch.index + candidateMatch[0].length));
    }
  }
  if (text.includes(':')) {
    for (const candidateMatch of text.matchAll(ipv6)) {
      const value = candidateMatch[0].replace(/\.$/, '');
      if (/[0-9A-Fa-f]/.test(value) && isIPv6(value)) found.push(match('ip-address', text, candidateMatch.index, candidateMatch.index + value.length));
    }
  }
  return found;
}
