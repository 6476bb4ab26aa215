import { defineGuardrail, type Guardrail, type GuardrailVerdict, type PastToolCall } from '../sdk/define-guardrail.ts';
import { findPii } from './detectors/pii/find-pii.ts';
import { piiMarkers } from './detectors/pii/pii-types.ts';
import { findSecrets } from './detectors/secrets/find-secrets.ts';
import { flagVerdict } from './support/flag-verdict.ts';
import { numbersIn, stringsIn } from './support/guarded-values.ts';
import { choiceOption, counted, invalidOption, refusalOption, stringListOption } from './support/guardrail-options.ts';

export interface GroundingOptions {
  /** `escalate` (the default): a person checks the answer. `block`: the run ends with `refusal`. `flag`: journaled, the answer goes out. */
  action?: 'escalate' | 'block' | 'flag';
  refusal?: string;
  /** Numbers whose size is at most this are not claims (counts, steps, "2 options"). Default 10. */
  ignoreNumbersUpTo?: number;
  /** Quoted passages of at least this many words are claims. Default 3. */
  minQuoteWords?: number;
  /** Only the calls of these tools are sources (default: every tool of the run). */
  sourceTools?: readonly string[];
}

const name = 'grounding';
// A number as people write it: 1234, 1,234, 1,234.50, 12.5 (not inside a word, a version or a longer number).
const numberPattern = /(?<![\p{L}\p{N}_.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\p{N})/gu;
// A passage in double quotes (straight, curly or low-high), on one line.
// Characters either side of a claim read to tell whether it is part of personal data or a credential.
const showContext = 80;
const quotePattern = /["“„]([^"“”„\n]{2,400}?)["”“]/gu;

/**
 * A deterministic grounding check of the final answer (at `output`): the answer's claims must
 * appear in what the run's tools were asked and answered (`history` in the subject), the answer
 * citing them. Claims are:
 *
 * - numbers (amounts, counts, ids, percentages) above `ignoreNumbersUpTo`, not list markers;
 *   one is grounded when a source holds the same value, written any way ("$1,234.50" matches
 *   1234.5) or rounded to the precision the answer gives ("1,235" matches 1234.5; a percentage
 *   matches its fraction, "12.5%" 0.125);
 * - passages in double quotes of at least `minQuoteWords` words, grounded when a source holds
 *   them word for word (ignoring case, spacing, compatibility forms and quote styles).
 *
 * Sources are the arguments and results of the run's tool calls that ran (not errors, not
 * refused calls). A structured answer is read field by field. An answer with no claims passes;
 * a run with no tool results has nothing to cite, so every claim in its answer is ungrounded.
 * What it cannot see: paraphrased facts, names and dates in words, claims a source contradicts
 * in words. It is a tripwire for invented figures and quotes, not a fact checker.
 *
 * @example
 * defineAgent({ ..., guardrails: { output: [grounding({ action: 'escalate', sourceTools: ['search_kb', 'lookup_order'] })] } });
 */
export function grounding(options: GroundingOptions = {}): Guardrail {
  const action = choiceOption(name, 'action', options.action, ['escalate', 'block', 'flag']);
  const refusal = refusalOption(name, options.refusal) ?? 'I couldn’t check that answer against my sources, so I won’t give it.';
  const ignoreUpTo = options.ignoreNumbersUpTo ?? 10;
  if (typeof ignoreUpTo !== 'number' || !(ignoreUpTo >= 0)) throw invalidOption(name, 'ignoreNumbersUpTo must be a number of at least 0');
  const minQuoteWords = options.minQuoteWords ?? 3;
  if (!Number.isInteger(minQuoteWords) || minQuoteWords < 1) throw invalidOption(name, 'minQuoteWords must be a positive whole number');
  const sourceTools = options.sourceTools === undefined ? undefined : new Set(stringListOption(name, 'sourceTools', options.sourceTools));

  return defineGuardrail({
    name,
    boundaries: ['output'],
    check(subject): GuardrailVerdict {
      if (subject.boundary !== 'output') return { verdict: 'allow' };
      const claims = claimsOf(subject.output === subject.text || typeof subject.output === 'string' ? subject.text : subject.output, ignoreUpTo, minQuoteWords);
      if (claims.numbers.length === 0 && claims.quotes.length === 0) return { verdict: 'allow' };
      const sources = sourcesOf(subject.history, sourceTools);
      const ungrounded = [
        ...claims.numbers.filter((claim) => !sources.hasNumber(claim)),
        ...(claims.quotes.length === 0 ? [] : claims.quotes.filter((quote) => !sources.text().includes(quote.form))),
      ];
      if (ungrounded.length === 0) return { verdict: 'allow' };
      // Up to 5 distinct claims are shown, from the first 20 (each costs a look at its context).
      const shown = new Set<string>();
      let more = ungrounded.length > 20;
      for (const claim of ungrounded.slice(0, 20)) {
        const display = claim.shown();
        if (shown.has(display)) continue;
        if (shown.size === 5) {
          more = true;
          break;
        }
        shown.add(display);
      }
      const finding = `${counted(ungrounded.length, 'claim')} in the answer ${ungrounded.length === 1 ? 'does' : 'do'} not appear in the run's tool results: ${[...shown].join(', ')}${more ? ', …' : ''}`;
      if (action === 'flag') return flagVerdict(subject, finding, { ungroundedClaims: ungrounded.length });
      const reason = `Ungrounded answer: ${finding}.`;
      return action === 'block' ? { verdict: 'block', reason, refusal } : { verdict: 'escalate', reason };
    },
  });
}

interface NumberClaim {
  /** As the reason shows it: as written, or a marker when it is part of personal data or a credential. */
  shown: () => string;
  value: number;
  decimals: number;
  percent: boolean;
}

type Claims = { numbers: NumberClaim[]; quotes: Array<{ shown: () => string; form: string }> };

function claimsOf(answer: unknown, ignoreUpTo: number, minQuoteWords: number): Claims {
  const claims: Claims = { numbers: [], quotes: [] };
  for (const text of stringsIn(answer)) {
    // The claims are quoted for the reviewer: a number that is part of personal data or a
    // credential (the digits of a card) is shown as its marker, so the value stays out of the
    // journal. Only claims shown, and only those in a long digit run or a long token, are
    // looked at (the detectors cost 0.1-0.2 ms a call), each in a window of text around it.
    const show = (written: string, start: number) => {
      const end = start + written.length;
      let display = written;
      if (maybeSensitive(text, start, end)) {
        const from = Math.max(0, start - showContext);
        const window = text.slice(from, end + showContext);
        const hidden = [
          ...findPii(window).map((found) => ({ ...found, marker: piiMarkers[found.type] })),
          ...findSecrets(window).map((found) => ({ ...found, marker: '[SECRET]' })),
        ];
        display = hidden.find((span) => span.start + from < end && start < span.end + from)?.marker ?? written;
      }
      return display.length > 60 ? `${display.slice(0, 57)}…` : display;
    };
    for (const found of text.matchAll(numberPattern)) {
      const written = found[0];
      const start = found.index;
      const after = text.slice(start + written.length, start + written.length + 2);
      const lineStart = text.lastIndexOf('\n', start - 1) + 1;
      // "1. First step" and "2) Then": list markers, not claims.
      if (text.slice(lineStart, start).trim() === '' && /^[.)]\s/.test(after)) continue;
      const claim = numberClaim(written, after.startsWith('%'));
      if (Math.abs(claim.value) > ignoreUpTo) claims.numbers.push({ ...claim, shown: () => show(claim.shown(), start) });
    }
    for (const found of text.matchAll(quotePattern)) {
      const inner = found[1] ?? '';
      if (inner.trim().split(/\s+/).length >= minQuoteWords) claims.quotes.push({ shown: () => `"${show(inner, found.index + 1)}"`, form: formOf(inner) });
    }
  }
  for (const value of numbersIn(answer)) {
    if (Math.abs(value) > ignoreUpTo) claims.numbers.push(numberClaim(String(value), false));
  }
  return claims;
}

function numberClaim(written: string, percent: boolean): NumberClaim {
  const plain = written.replaceAll(',', '');
  const dot = plain.indexOf('.');
  const shown = percent ? `${written}%` : written;
  return { shown: () => shown, value: Number(plain), decimals: dot === -1 ? 0 : plain.length - dot - 1, percent };
}

/**
 * Whether the claim at [start, end) could be part of personal data or a credential: it sits in
 * a run of digit groups with 7 digits or more (phones, cards, SSNs, IBANs), or in a token of 16
 * characters or more without spaces (keys, tokens, URLs).
 */
function maybeSensitive(text: string, start: number, end: number): boolean {
  let tokenStart = start;
  let tokenEnd = end;
  while (tokenStart > 0 && !/\s/.test(text[tokenStart - 1] ?? ' ')) tokenStart -= 1;
  while (tokenEnd < text.length && !/\s/.test(text[tokenEnd] ?? ' ')) tokenEnd += 1;
  if (tokenEnd - tokenStart >= 16) return true;
  let runStart = start;
  let runEnd = end;
  while (runStart > 0 && /[\d\s\-.()/+]/.test(text[runStart - 1] ?? 'x') && start - runStart < 24) runStart -= 1;
  while (runEnd < text.length && /[\d\s\-.()/+]/.test(text[runEnd] ?? 'x') && runEnd - end < 24) runEnd += 1;
  return (text.slice(runStart, runEnd).match(/\d/g)?.length ?? 0) >= 7;
}

/** The run's sources: their text (normalised, for quotes; built on first use) and every number in them. */
function sourcesOf(history: readonly PastToolCall[], tools: ReadonlySet<string> | undefined): { text(): string; hasNumber(claim: NumberClaim): boolean } {
  const values: number[] = [];
  const texts: string[] = [];
  for (const past of history) {
    if (past.refusedBy !== undefined || past.error !== undefined || (tools !== undefined && !tools.has(past.toolName))) continue;
    for (const part of [past.input, past.output]) {
      for (const value of numbersIn(part)) values.push(Math.abs(value));
      for (const text of stringsIn(part)) {
        texts.push(text);
        for (const found of text.matchAll(numberPattern)) values.push(Number(found[0].replaceAll(',', '')));
      }
    }
  }
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  let text: string | undefined;
  return {
    text: () => (text ??= formOf(texts.join('\n'))),
    hasNumber(claim) {
      const wanted = Math.abs(claim.value);
      // Rounded to the precision the answer gives (a percentage's fraction has two more digits).
      const candidates = claim.percent ? [[wanted, claim.decimals] as const, [wanted / 100, claim.decimals + 2] as const] : [[wanted, claim.decimals] as const];
      return candidates.some(([value, decimals]) => {
        const tolerance = 0.5 * 10 ** -decimals + 1e-9 * value;
        const nearest = firstAtLeast(sorted, value - tolerance);
        return nearest < sorted.length && (sorted[nearest] ?? Number.POSITIVE_INFINITY) <= value + tolerance;
      });
    },
  };
}

/** The index of the first value of `sorted` at least `bound` (binary search). */
function firstAtLeast(sorted: readonly number[], bound: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] ?? Number.POSITIVE_INFINITY) < bound) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A passage as quotes are compared: NFKC, lower case, straight quotes, single spaces, no end punctuation. */
function formOf(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[‘’‚‛′`´]/gu, "'")
    .replace(/[“”„‟″«»]/gu, '"')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[\s.,;:!?]+|[\s.,;:!?]+$/g, '');
}
