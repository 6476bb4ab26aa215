import {
  defineGuardrail,
  type Guardrail,
  type GuardrailBoundary,
  type GuardrailReplacement,
  type GuardrailSubject,
  type GuardrailVerdict,
} from '../../sdk/define-guardrail.ts';
import { holdBackForRedaction } from '../detectors/stream/hold-back.ts';
import { flagVerdict } from './flag-verdict.ts';
import { checkedThing, mapStrings, stringsIn } from './guarded-values.ts';

/** A value a detector found: its kind and where it is (never its text). */
export interface FoundValue {
  type: string;
  start: number;
  end: number;
}

export interface RedactionGuardrailOptions {
  name: string;
  /** The detector: what to redact in one text, in order, not overlapping. */
  find: (text: string) => readonly FoundValue[];
  /** What stands in for a value of this type: `[EMAIL]`, `[SECRET]`. */
  marker: (type: string) => string;
  /** The kinds and counts in words, for reasons: "2 e-mail addresses and 1 phone number". */
  describe: (counts: ReadonlyMap<string, number>) => string;
  action: 'redact' | 'block' | 'flag';
  refusal: string;
}

const boundaries: readonly GuardrailBoundary[] = ['input', 'model-output', 'tool-result', 'output'];

/**
 * The shared shape of `pii()` and `secrets()`: at `input`, `model-output`, `tool-result` and
 * `output`, find values in the text (in every string of a tool result or a structured answer)
 * and redact them (`modify`, `changes` counting them by kind), refuse the value (`block`), or
 * journal the finding (`flag`). Redacting and blocking guardrails also redact streamed text
 * (`streamRedaction`, with `holdBackForRedaction`), so a value the final answer would not show
 * never reaches a stream reader before the verdict. Reasons and changes name kinds and counts,
 * never a value.
 */
export function redactionGuardrail(options: RedactionGuardrailOptions): Guardrail {
  const { find, marker, describe, action } = options;
  const redact = (text: string): string => splice(text, find(text), marker);
  return defineGuardrail({
    name: options.name,
    boundaries,
    check(subject): GuardrailVerdict {
      const scanned = scan(subject, find);
      if (scanned === undefined) return { verdict: 'allow' };
      const counts = new Map<string, number>();
      for (const value of scanned.all) counts.set(value.type, (counts.get(value.type) ?? 0) + 1);
      if (counts.size === 0) return { verdict: 'allow' };
      const thing = checkedThing(subject);
      if (action === 'redact') {
        return {
          verdict: 'modify',
          reason: `Redacted ${describe(counts)} from ${thing}.`,
          replacement: redacted(subject, scanned, find, marker),
          changes: Object.fromEntries(counts),
        };
      }
      if (action === 'flag') return flagVerdict(subject, `${thing} contains ${describe(counts)}`, Object.fromEntries(counts));
      if (subject.boundary === 'tool-result') {
        return { verdict: 'block', reason: `The result of ${subject.call.toolName} was withheld: it contains ${describe(counts)}.` };
      }
      return { verdict: 'block', reason: `${thing.charAt(0).toUpperCase()}${thing.slice(1)} contains ${describe(counts)}.`, refusal: options.refusal };
    },
    ...(action === 'flag' ? {} : { streamRedaction: { redact, holdBack: holdBackForRedaction } }),
  });
}

/**
 * What the detector found in the subject: in its text (a structured answer's JSON text holds
 * everything its output does, so the text is what is counted there), or in each string of a
 * tool result.
 */
function scan(subject: GuardrailSubject, find: RedactionGuardrailOptions['find']): { all: FoundValue[]; perString: FoundValue[][] } | undefined {
  switch (subject.boundary) {
    case 'input':
    case 'model-output':
    case 'output':
      return findInEach([subject.text], find);
    case 'tool-result': {
      if (subject.error !== undefined) return undefined;
      return findInEach(stringsIn(subject.output), find);
    }
    case 'tool-call':
      return undefined;
  }
}

function redacted(
  subject: GuardrailSubject,
  scanned: { perString: FoundValue[][] },
  find: RedactionGuardrailOptions['find'],
  marker: (type: string) => string,
): GuardrailReplacement {
  switch (subject.boundary) {
    case 'input':
    case 'model-output':
      return { text: splice(subject.text, scanned.perString[0] ?? [], marker) };
    case 'output': {
      const text = splice(subject.text, scanned.perString[0] ?? [], marker);
      if (subject.output === subject.text) return { text, output: text };
      return { text, output: replaceStrings(subject.output, findInEach(stringsIn(subject.output), find).perString, marker) };
    }
    case 'tool-result':
      return { output: replaceStrings(subject.output, scanned.perString, marker) };
    case 'tool-call':
      return {};
  }
}

/** The value with the i-th string (in `stringsIn` order) redacted at `found[i]`. */
function replaceStrings(value: unknown, found: FoundValue[][], marker: (type: string) => string): unknown {
  let index = 0;
  return mapStrings(value, (text) => splice(text, found[index++] ?? [], marker));
}

// Joins the strings of a value for one detector call: a detector costs 30-200 µs a call, and a
// table of a thousand short fields would cost that a thousand times.
const separator = '\n\u0000\n';

/**
 * What `find` finds in `strings`, from one call over them joined: `all` as found (for counts),
 * `perString` the parts in each string. A value that reaches across strings (a key block split
 * into lines of a list) is redacted in every string it covers.
 */
function findInEach(strings: readonly string[], find: RedactionGuardrailOptions['find']): { all: FoundValue[]; perString: FoundValue[][] } {
  if (strings.length === 1) {
    const found = [...find(strings[0] ?? '')];
    return { all: found, perString: [found] };
  }
  const starts: number[] = [];
  let offset = 0;
  for (const text of strings) {
    starts.push(offset);
    offset += text.length + separator.length;
  }
  const all = strings.length === 0 ? [] : [...find(strings.join(separator))];
  const perString: FoundValue[][] = strings.map(() => []);
  let index = 0;
  for (const value of all) {
    while (index + 1 < strings.length && (starts[index + 1] ?? Number.POSITIVE_INFINITY) <= value.start) index += 1;
    for (let covered = index; covered < strings.length && (starts[covered] ?? Number.POSITIVE_INFINITY) < value.end; covered += 1) {
      const base = starts[covered] ?? 0;
      const start = Math.max(0, value.start - base);
      const end = Math.min(strings[covered]?.length ?? 0, value.end - base);
      if (end > start) perString[covered]?.push({ type: value.type, start, end });
    }
  }
  return { all, perString };
}

function splice(text: string, found: readonly FoundValue[], marker: (type: string) => string): string {
  if (found.length === 0) return text;
  let result = '';
  let from = 0;
  for (const value of found) {
    result += text.slice(from, value.start) + marker(value.type);
    from = value.end;
  }
  return result + text.slice(from);
}
