import { defineGuardrail, type Guardrail, type GuardrailVerdict } from '../sdk/define-guardrail.ts';
import { invalidOption, positiveIntegerOption } from './support/guardrail-options.ts';

export interface ToolResultSizeOptions {
  /** The most characters of a result (as JSON text, or the string itself) the model sees. */
  maxChars: number;
  /** How much of an oversized result the model sees, at most `maxChars`. Default `maxChars`. */
  previewChars?: number;
}

const name = 'tool-result-size';

/**
 * Caps tool results in the model's context (at `tool-result`): a result over `maxChars` reaches
 * the model as its first `previewChars` characters and a note of how much was cut (a `modify`
 * whose `replacement.output` is that text), while the journal keeps the whole result in its
 * `tool-result` event. A string result is cut as it is; any other result as its JSON text.
 *
 * @example
 * defineAgent({ ..., guardrails: { toolResult: [toolResultSize({ maxChars: 20_000, previewChars: 4_000 })] } });
 */
export function toolResultSize(options: ToolResultSizeOptions): Guardrail {
  const maxChars = positiveIntegerOption(name, 'maxChars', options?.maxChars);
  if (maxChars === undefined) throw invalidOption(name, 'maxChars is required');
  const previewChars = positiveIntegerOption(name, 'previewChars', options.previewChars) ?? maxChars;
  if (previewChars > maxChars) throw invalidOption(name, 'previewChars must be at most maxChars');
  return defineGuardrail({
    name,
    boundaries: ['tool-result'],
    check(subject): GuardrailVerdict {
      if (subject.boundary !== 'tool-result' || subject.error !== undefined || subject.output === undefined) return { verdict: 'allow' };
      const text = typeof subject.output === 'string' ? subject.output : (JSON.stringify(subject.output) ?? '');
      if (text.length <= maxChars) return { verdict: 'allow' };
      const preview = cutAt(text, previewChars);
      const total = text.length.toLocaleString('en-US');
      const note = `[The result was ${total} characters long; only the first ${preview.length.toLocaleString('en-US')} are shown, the other ${(text.length - preview.length).toLocaleString('en-US')} were cut. Ask for less (a narrower query, a page) if you need more.]`;
      return {
        verdict: 'modify',
        reason: `Cut the result of ${subject.call.toolName} to a preview of ${preview.length.toLocaleString('en-US')} of its ${total} characters (limit ${maxChars.toLocaleString('en-US')}).`,
        replacement: { output: `${preview}\n${note}` },
        changes: { originalChars: text.length, keptChars: preview.length },
      };
    },
  });
}

/** The first `length` UTF-16 units, one fewer when the cut would split a surrogate pair. */
function cutAt(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}
