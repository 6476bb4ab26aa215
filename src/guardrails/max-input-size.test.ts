import { describe, expect, it } from 'vitest';
import { maxInputSize } from './max-input-size.ts';
import { check, inputSubject } from './test-helpers.ts';

describe('maxInputSize', () => {
  it('refuses a message over the character limit, telling the user the limit', async () => {
    const verdict = await check(maxInputSize({ maxChars: 1_000 }), inputSubject('Please summarise this log:\n' + 'GET /health 200\n'.repeat(100)));
    expect(verdict).toEqual({
      verdict: 'block',
      reason: 'The message is 1,627 characters long; the limit is 1,000 characters.',
      refusal: 'Your message is too long for me to read (the limit is 1,000 characters). Please shorten it and send it again.',
    });
  });

  it('counts characters as code points and bytes as UTF-8', async () => {
    const emoji = '😀'.repeat(10); // 10 characters, 20 UTF-16 units, 40 bytes
    expect(await check(maxInputSize({ maxChars: 10 }), inputSubject(emoji))).toEqual({ verdict: 'allow' });
    expect(await check(maxInputSize({ maxChars: 9 }), inputSubject(emoji))).toMatchObject({ verdict: 'block' });
    expect(await check(maxInputSize({ maxBytes: 40 }), inputSubject(emoji))).toEqual({ verdict: 'allow' });
    expect(await check(maxInputSize({ maxBytes: 39 }), inputSubject(emoji))).toMatchObject({
      verdict: 'block',
      reason: 'The message is 40 bytes long; the limit is 39 bytes.',
    });
  });

  it('with action truncate, cuts the message to the limits without splitting a character', async () => {
    const verdict = await check(maxInputSize({ maxChars: 20, maxBytes: 10, action: 'truncate' }), inputSubject('héllo 😀 wörld'));
    // 'héllo ' is 7 bytes; the emoji would make 11.
    expect(verdict).toEqual({
      verdict: 'modify',
      reason: 'Cut the message to the limit of 10 bytes (it was 18 bytes).',
      replacement: { text: 'héllo ' },
      changes: { removedCharacters: 7 },
    });
  });

  it('lets a message within the limits through, and defaults to 50,000 characters', async () => {
    expect(await check(maxInputSize(), inputSubject('x'.repeat(50_000)))).toEqual({ verdict: 'allow' });
    expect(await check(maxInputSize(), inputSubject('x'.repeat(50_001)))).toMatchObject({ verdict: 'block' });
  });

  it('refuses bad options as a configuration error', () => {
    expect(() => maxInputSize({ maxChars: 0 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('maxChars') }));
    expect(() => maxInputSize({ action: 'drop' as 'block' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
