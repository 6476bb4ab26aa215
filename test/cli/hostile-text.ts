import { expect } from 'vitest';

/**
 * Text that would take over a terminal printed raw: clear screen, a window title, fake colour,
 * a carriage return that overwrites the line, a C1 CSI, a bidi override, a NUL, DEL and a tab.
 */
export const hostile = 'A\u001b[2J\u001b]0;owned\u0007B\u001b[32mfake ok\u001b[0m\rC\u009b31mD\u202eE\u2066F\tG\u0000H\u007fI';

/** What `terminalSafe` must have removed: every control character but the newline. */
const terminalControls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** SGR sequences (colour, bold, dim): the only escapes a printer may write itself, and only when styling. */
const styling = /\u001b\[[0-9;]*m/g;

/** Where `output` first holds a character a terminal would act on (with colour sequences allowed when `styled`), or `undefined`. */
export function terminalUnsafe(output: string, options: { styled?: boolean } = {}): { character: string; at: string } | undefined {
  const text = options.styled === true ? output.replace(styling, '') : output;
  const found = terminalControls.exec(text);
  return found === null ? undefined : { character: found[0], at: JSON.stringify(text.slice(Math.max(0, found.index - 20), found.index + 20)) };
}

/**
 * Fails when `output` holds a character a terminal would act on. With `styled`, the colour
 * sequences the CLI's own styles add are allowed (and nothing else).
 */
export function expectTerminalSafe(output: string, options: { styled?: boolean } = {}): void {
  expect(terminalUnsafe(output, options) ?? null).toBeNull();
}
