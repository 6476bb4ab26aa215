import { describe, expect, it } from 'vitest';
import { fixturePiiRows, fixtureSecretRows } from '../../../../bench/lib/guardrail-corpora.ts';
import { redactPii } from '../pii/redact-pii.ts';
import { redactSecrets } from '../secrets/redact-secrets.ts';
import { createStreamRedactor, type StreamRedactorOptions } from './create-stream-redactor.ts';

const redact = (text: string) => redactSecrets(redactPii(text));

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function stream(text: string, sizes: () => number, options: StreamRedactorOptions = { redact }): { pieces: string[]; held: number[] } {
  const redactor = createStreamRedactor(options);
  const pieces: string[] = [];
  const held: number[] = [];
  let sent = 0;
  let emittedLength = 0;
  for (let index = 0; index < text.length;) {
    const size = sizes();
    const piece = redactor.push(text.slice(index, index + size));
    index += size;
    sent = Math.min(index, text.length);
    pieces.push(piece);
    emittedLength += piece.length;
    held.push(sent - emittedLength);
  }
  pieces.push(redactor.end());
  return { pieces, held };
}

const sensitiveTexts = [
  ...fixturePiiRows()
    .filter((row) => row.spans.length > 0)
    .slice(0, 120)
    .map((row) => row.text),
  ...fixtureSecretRows()
    .filter((row) => row.label === 1)
    .slice(0, 120)
    .map((row) => row.text),
  'Card 4111 1111 1111 1111 and 4111111111111111 then mail jane.doe@example.com, call +1 (415) 555-2671 x12.',
  'IBAN NL91 ABNA 0417 1643 00 or GB82 WEST 1234 5698 7654 32; SSN: 536228763; host 2001:db8::1.',
  'Write to jane.doe[at]example[dot]org or john@protectai[DOT]com; password = "Tr0ub4dor&3x"; key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAn6O8li+SX4m98LLYt/PKSzEmQ++ZBD7Loh9P13f4yQ92EF3yxR5MsXFu9PRsrYQA7\n-----END RSA PRIVATE KEY-----\nthanks',
];

describe('createStreamRedactor', () => {
  it('emits, joined, exactly the redaction of the whole text, for random splits of many texts', () => {
    const random = seededRandom(20_261_201);
    for (const text of sensitiveTexts) {
      for (let trial = 0; trial < 3; trial += 1) {
        const { pieces } = stream(text, () => 1 + Math.floor(random() * 6));
        expect(pieces.join('')).toBe(redact(text));
      }
    }
  });

  it('never emits a value the whole redaction replaces, even in 3-character deltas', () => {
    const card = '4111 1111 1111 1111';
    const email = 'jane.doe@example.com';
    const { pieces } = stream(`Pay with ${card} and write to ${email} please.`, () => 3);
    const emitted = pieces.join('');
    expect(emitted).toBe('Pay with [CREDIT_CARD] and write to [EMAIL] please.');
    // Not even a fragment long enough to matter leaks before the marker.
    for (const piece of pieces) {
      expect(piece).not.toMatch(/\d{4}/);
      expect(piece).not.toContain('@');
    }
  });

  it('lets plain prose flow: only the trailing partial word is held back', () => {
    const prose = 'The quick brown fox jumps over the lazy dog and keeps running through the quiet field.';
    const { held } = stream(prose, () => 3);
    const longestWord = Math.max(...prose.split(/\s+/).map((word) => word.length));
    for (const count of held) expect(count).toBeLessThanOrEqual(longestWord);
  });

  it('holds a digit run while it could still grow into a card, then releases it', () => {
    const redactor = createStreamRedactor({ redact });
    expect(redactor.push('Number: 4111 1111 ')).toBe('Number: ');
    expect(redactor.push('1111 1111')).toBe('');
    expect(redactor.push(' is mine.')).toBe('[CREDIT_CARD] is ');
    expect(redactor.end()).toBe('mine.');
  });

  it('accepts a redact function that returns { text } and a custom hold-back', () => {
    const redactor = createStreamRedactor({ redact: (text) => ({ text: text.replaceAll('secret', '******') }), holdBack: (text) => Math.min(text.length, 5) });
    const emitted = ['a sec', 'ret is', ' here'].map((delta) => redactor.push(delta)).join('') + redactor.end();
    expect(emitted).toBe('a ****** is here');
  });
});
