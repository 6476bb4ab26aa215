import { describe, expect, it } from 'vitest';
import { expectTerminalSafe, hostile } from '../../test/cli/hostile-text.ts';
import { terminalSafe } from './terminal-text.ts';

describe('terminalSafe', () => {
  it('shows every character a terminal would act on as a visible escape, and a tab as a space', () => {
    expect(terminalSafe(hostile)).toBe('A\\x1b[2J\\x1b]0;owned\\x07B\\x1b[32mfake ok\\x1b[0m\\rC\\x9b31mD\\u202eE\\u2066F G\\x00H\\x7fI');
    expectTerminalSafe(terminalSafe(hostile));
    expect(terminalSafe('\u200e\u200f\u061c\u2028\u2029\u202a\u2069')).toBe('\\u200e\\u200f\\u061c\\u2028\\u2029\\u202a\\u2069');
  });

  it('escapes newlines by default and keeps them (CRLF as one) when asked', () => {
    expect(terminalSafe('one\ntwo\r\nthree')).toBe('one\\ntwo\\r\\nthree');
    expect(terminalSafe('one\ntwo\r\nthree\rfour', { newlines: 'keep' })).toBe('one\ntwo\nthree\\rfour');
  });

  it('leaves ordinary text alone, whatever its script', () => {
    const text = 'Order 1001 — café, 東京, שלום, 👩‍💻 (ZWJ kept), "quotes" & \\backslashes\\';
    expect(terminalSafe(text)).toBe(text);
  });
});
