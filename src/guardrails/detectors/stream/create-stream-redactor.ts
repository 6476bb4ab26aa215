import { KeelError } from '../../../errors/index.ts';
import { requireText } from '../require-text.ts';
import { holdBackForRedaction } from './hold-back.ts';

export interface StreamRedactorOptions {
  /**
   * The redaction of a whole text, e.g. `(text) => redactSecrets(redactPii(text))`. It must be
   * local: whether a character is replaced depends only on the text near it (every Keel
   * detector is), so redacting a stream piece by piece can equal redacting it whole.
   */
  redact: (text: string) => string | { text: string };
  /**
   * How many trailing characters of the text seen so far could still grow into a match and so
   * must wait for more text. Default: `holdBackForRedaction`, which covers Keel's PII and secret
   * detectors.
   */
  holdBack?: (text: string) => number;
  /**
   * Characters already emitted that are kept as left context for the detectors (words such as
   * "SSN:" or "password =" that decide what the next characters are). Default 256.
   */
  contextLength?: number;
}

export interface StreamRedactor {
  /** Adds a delta; returns the text that is safe to emit now (possibly `''`). */
  push(delta: string): string;
  /** Ends the stream; returns everything still held back, redacted. */
  end(): string;
}

/**
 * Redacts text that arrives in small deltas (a model's streamed output) without ever emitting a
 * value the redaction of the whole text would replace, however the value is split, while plain
 * text flows on with little delay. What is emitted, joined, equals `redact(whole text)`.
 *
 * How: the text not yet emitted is held; on each delta, `holdBack` says how many trailing
 * characters could still grow into a match; the rest is emitted redacted, provided its redaction
 * is stable: redacting it with the held characters after it gives the same output (otherwise a
 * match reaches across, and everything is held until the next delta). Already-emitted text stays
 * as left context (`contextLength`) so detectors see what precedes the new text.
 *
 * @example
 * const redactor = createStreamRedactor({ redact: (text) => redactSecrets(redactPii(text)) });
 * for await (const delta of modelStream) send(redactor.push(delta));
 * send(redactor.end());
 */
export function createStreamRedactor(options: StreamRedactorOptions): StreamRedactor {
  if (typeof options.redact !== 'function')
    throw new KeelError({ code: 'INPUT_INVALID', message: 'redact must be a function', details: { argument: 'redact' } });
  const holdBack = options.holdBack ?? holdBackForRedaction;
  const contextLength = options.contextLength ?? 256;
  const redact = (text: string): string => {
    const redacted = options.redact(text);
    return typeof redacted === 'string' ? redacted : redacted.text;
  };
  let context = '';
  let pending = '';
  let cachedContext: string | undefined;
  let cachedContextRedaction = '';
  const redactContext = (): string => {
    if (cachedContext !== context) {
      cachedContext = context;
      cachedContextRedaction = redact(context);
    }
    return cachedContextRedaction;
  };
  /** The redaction of `context + text` past the context's own, or undefined when they differ. */
  const redactAfterContext = (text: string): string | undefined => {
    const base = redactContext();
    const whole = redact(context + text);
    return whole.startsWith(base) ? whole.slice(base.length) : undefined;
  };
  const advance = (emittedRaw: string) => {
    context = (context + emittedRaw).slice(-contextLength);
    pending = pending.slice(emittedRaw.length);
  };

  return {
    push(delta) {
      pending += requireText(delta, 'delta');
      const held = Math.min(pending.length, Math.max(0, holdBack(context + pending)));
      const cut = pending.length - held;
      if (cut <= 0) return '';
      const prefix = pending.slice(0, cut);
      const emitted = redactAfterContext(prefix);
      const all = redactAfterContext(pending);
      if (emitted === undefined || all === undefined || !all.startsWith(emitted)) return '';
      advance(prefix);
      return emitted;
    },
    end() {
      const rest = redactAfterContext(pending) ?? redact(pending);
      advance(pending);
      return rest;
    },
  };
}
