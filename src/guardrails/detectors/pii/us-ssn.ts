import { match, type PiiMatch } from './pii-types.ts';

// ddd-dd-dddd anywhere; ddd dd dddd and nine bare digits only right after words that name an
// SSN (space-grouped digits are as often house numbers and postcodes).
const dashed = /(?<![\w.-])(\d{3})-(\d{2})-(\d{4})(?![\w]|-\d|\.\d)/g;
const undashed = /(?<![\w.-])(\d{3}) ?(\d{2}) ?(\d{4})(?![\w]|-\d|\.\d)/g;
const context =
  /\b(?:ssn|ssns|social security(?: number| no\.?| #)?|social sec\.?|taxpayer id(?:entification)?(?: number)?|tin)\b[\s:#-]*(?:is|was|number|no\.?|#)?[\s:#-]*$/i;
// Numbers the Social Security Administration never issues or that were published as examples.
const published = new Set(['078051120', '219099999', '457555462']);

/**
 * US Social Security numbers: area 001–665 or 667–899, group 01–99, serial 0001–9999, written
 * ddd-dd-dddd, or as ddd dd dddd or nine bare digits right after "SSN" / "social security number".
 */
export function findUsSsns(text: string): PiiMatch[] {
  const found: PiiMatch[] = [];
  for (const candidateMatch of text.matchAll(dashed)) {
    if (valid(candidateMatch[1], candidateMatch[2], candidateMatch[3])) {
      found.push(match('us-ssn', text, candidateMatch.index, candidateMatch.index + candidateMatch[0].length));
    }
  }
  for (const candidateMatch of text.matchAll(undashed)) {
    const before = text.slice(Math.max(0, candidateMatch.index - 40), candidateMatch.index);
    if (context.test(before) && valid(candidateMatch[1], candidateMatch[2], candidateMatch[3])) {
      found.push(match('us-ssn', text, candidateMatch.index, candidateMatch.index + candidateMatch[0].length));
    }
  }
  return found;
}

function valid(area = '', group = '', serial = ''): boolean {
  const areaNumber = Number(area);
  if (areaNumber === 0 || areaNumber === 666 || areaNumber >= 900) return false;
  if (group === '00' || serial === '0000') return false;
  return !published.has(`${area}${group}${serial}`);
}
