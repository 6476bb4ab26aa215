import { defineGuardrail, type Guardrail, type GuardrailVerdict } from '../sdk/define-guardrail.ts';
import { choiceOption, invalidOption, positiveIntegerOption, refusalOption } from './support/guardrail-options.ts';

export interface MaxInputSizeOptions {
  /** The most characters (Unicode code points) a message may have. Default 50,000 when `maxBytes` is not set either. */
  maxChars?: number;
  /** The most bytes a message may take in UTF-8. */
  maxBytes?: number;
  /**
   * `block` (the default): the run ends, with `refusal` as its answer. `truncate`: the message
   * is cut to the limits (at a character boundary) and the run goes on with the cut message.
   */
  action?: 'block' | 'truncate';
  /** What the user is told when a message is refused. Default: a sentence naming the limit. */
  refusal?: string;
}

const name = 'max-input-size';

/**
 * A size limit on the user's message, in characters and/or UTF-8 bytes: a long message costs
 * tokens on every step of the run, and is a common carrier of attacks buried in padding.
 *
 * @example
 * defineAgent({ ..., guardrails: { input: [maxInputSize({ maxChars: 8_000, action: 'block' })] } });
 */
export function maxInputSize(options: MaxInputSizeOptions = {}): Guardrail {
  const maxBytes = positiveIntegerOption(name, 'maxBytes', options.maxBytes);
  const maxChars = positiveIntegerOption(name, 'maxChars', options.maxChars) ?? (maxBytes === undefined ? 50_000 : undefined);
  const action = choiceOption(name, 'action', options.action, ['block', 'truncate']);
  const refusal = refusalOption(name, options.refusal);
  if (maxChars === undefined && maxBytes === undefined) throw invalidOption(name, 'needs maxChars or maxBytes');
  return defineGuardrail({
    name,
    boundaries: ['input'],
    check(subject): GuardrailVerdict {
      if (subject.boundary !== 'input') return { verdict: 'allow' };
      const { text } = subject;
      // A string of n UTF-16 units has at most n code points and at most 3n UTF-8 bytes.
      const charsOver = maxChars !== undefined && text.length > maxChars && codePoints(text) > maxChars;
      const bytesOver = maxBytes !== undefined && text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes;
      if (!charsOver && !bytesOver) return { verdict: 'allow' };
      const size = charsOver ? `${codePoints(text).toLocaleString('en-US')} characters` : `${Buffer.byteLength(text, 'utf8').toLocaleString('en-US')} bytes`;
      const limit = charsOver ? `${maxChars!.toLocaleString('en-US')} characters` : `${maxBytes!.toLocaleString('en-US')} bytes`;
      if (action === 'truncate') {
        const cut = cutToLimits(text, maxChars, maxBytes);
        return {
          verdict: 'modify',
          reason: `Cut the message to the limit of ${limit} (it was ${size}).`,
          replacement: { text: cut },
          changes: { removedCharacters: codePoints(text) - codePoints(cut) },
        };
      }
      return {
        verdict: 'block',
        reason: `The message is ${size} long; the limit is ${limit}.`,
        refusal: refusal ?? `Your message is too long for me to read (the limit is ${limit}). Please shorten it and send it again.`,
      };
    },
  });
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** The longest prefix within both limits, never splitting a character (a surrogate pair). */
function cutToLimits(text: string, maxChars: number | undefined, maxBytes: number | undefined): string {
  let end = 0;
  let chars = 0;
  let bytes = 0;
  for (const character of text) {
    const size = utf8Length(character.codePointAt(0) ?? 0);
    if ((maxChars !== undefined && chars + 1 > maxChars) || (maxBytes !== undefined && bytes + size > maxBytes)) break;
    chars += 1;
    bytes += size;
    end += character.length;
  }
  return text.slice(0, end);
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}
