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
      const counts = new Map<string, number>();
      const count = (found: readonly FoundValue[]) => {
        for (const value of found) counts.set(value.type, (counts.get(value.type) ?? 0) + 1);
      };
      if (action === 'redact') {
        const redactCounting = (text: string) => {
          const found = find(text);
          count(found);
          return splice(text, found, marker);
        };
        const replacement = redacted(subject, redactCounting, redact);
        if (replacement === undefined || counts.size === 0) return { verdict: 'allow' };
        return {
          verdict: 'modify',
          reason: `Redacted ${describe(counts)} from ${checkedThing(subject)}.`,
          replacement,
          changes: Object.fromEntries(counts),
        };
      }
      for (const text of textsToScan(subject)) count(find(text));
      if (counts.size === 0) return { verdict: 'allow' };
      if (action === 'flag') return flagVerdict(subject, `${checkedThing(subject)} contains ${describe(counts)}`, Object.fromEntries(counts));
      if (subject.boundary === 'tool-result') {
        return { verdict: 'block', reason: `The result of ${subject.call.toolName} was withheld: it contains ${describe(counts)}.` };
      }
      const thing = checkedThing(subject);
      return { verdict: 'block', reason: `${thing.charAt(0).toUpperCase()}${thing.slice(1)} contains ${describe(counts)}.`, refusal: options.refusal };
    },
    ...(action === 'flag' ? {} : { streamRedaction: { redact, holdBack: holdBackForRedaction } }),
  });
}

/** The texts to look in: a structured answer's JSON text holds everything its output does, so only the text is read there. */
function textsToScan(subject: GuardrailSubject): string[] {
  switch (subject.boundary) {
    case 'input':
    case 'model-output':
    case 'output':
      return [subject.text];
    case 'tool-result':
      return subject.error === undefined ? stringsIn(subject.output) : [];
    case 'tool-call':
      return [];
  }
}

function redacted(subject: GuardrailSubject, redactCounting: (text: string) => string, redact: (text: string) => string): GuardrailReplacement | undefined {
  switch (subject.boundary) {
    case 'input':
    case 'model-output':
      return { text: redactCounting(subject.text) };
    case 'output': {
      const text = redactCounting(subject.text);
      // Counted once: the structured answer is the same content as its JSON text.
      return { text, output: subject.output === subject.text ? text : mapStrings(subject.output, redact) };
    }
    case 'tool-result':
      return subject.error === undefined ? { output: mapStrings(subject.output, redactCounting) } : undefined;
    case 'tool-call':
      return undefined;
  }
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
