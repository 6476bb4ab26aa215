import { styleText } from 'node:util';

export type StyleFormat = Parameters<typeof styleText>[0];

/** Applies a terminal style, or returns the text untouched when colours are off. */
export type Style = (format: StyleFormat, text: string) => string;

/**
 * A styler that colours only when asked to. The decision is made once by the caller (see
 * `shouldColor`), so output written to a pipe or a file never carries escape codes.
 *
 * @example
 * const style = createStyle(shouldColor(process.stdout));
 * process.stdout.write(style('green', 'completed') + '\n');
 */
export function createStyle(enabled: boolean): Style {
  if (!enabled) return (_format, text) => text;
  // validateStream: false because the TTY and NO_COLOR checks were already made by shouldColor.
  return (format, text) => styleText(format, text, { validateStream: false });
}

/** Colours only on a terminal, and never when NO_COLOR is set to a non-empty value (no-color.org). */
export function shouldColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}
