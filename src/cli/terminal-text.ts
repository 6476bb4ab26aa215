/**
 * Characters a terminal acts on instead of showing: the C0 controls (ESC opens colour, cursor,
 * clear-screen and window-title sequences; CR returns to the start of the line, so later text
 * overwrites earlier; BEL, BS …), DEL, the C1 controls (U+009B is a one-character CSI on some
 * terminals), and the Unicode controls that reorder or break the lines around them: the
 * bidirectional embeddings, overrides and isolates (U+202E shows "gpj.exe" as "exe.jpg"), the
 * directional marks, and the line and paragraph separators.
 */
const unsafeCharacters = /\r\n|[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export interface TerminalSafeOptions {
  /**
   * `escape` (the default) shows a newline as `\n`, for text that must stay on its line (a table
   * cell, an id, a name); `keep` keeps newlines (and turns CRLF into one), for prose that may
   * run over several lines (a run's input and output, model text, error messages).
   */
  newlines?: 'escape' | 'keep';
}

/**
 * Makes text from outside the operator's control (run inputs and outputs, model text, user ids,
 * agent and key names, tool arguments and results, error messages) safe to print on a terminal:
 * every character a terminal would act on is shown as a visible escape (`\x1b`, `\r`, `\u202e`)
 * instead, and a tab as a space, so the text can neither restyle, clear or retitle the terminal
 * nor hide or reorder what is printed around it. Every human-readable printer of the CLI passes
 * such text through this one function before styling it; `--json` output needs none (JSON
 * escapes control characters itself).
 *
 * @example
 * terminalSafe('ok\u001b[2J'); // 'ok\\x1b[2J'
 * terminalSafe('two\nlines', { newlines: 'keep' }); // 'two\nlines'
 */
export function terminalSafe(text: string, options: TerminalSafeOptions = {}): string {
  const keepNewlines = options.newlines === 'keep';
  return text.replace(unsafeCharacters, (character) => {
    if (character === '\r\n') return keepNewlines ? '\n' : '\\r\\n';
    if (character === '\n') return keepNewlines ? '\n' : '\\n';
    if (character === '\t') return ' ';
    if (character === '\r') return '\\r';
    const code = character.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
