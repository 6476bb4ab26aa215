/*
 * How much of the end of a streamed text could still become part of something the redaction
 * would replace, once more text arrives. Each rule answers for one family of detectors; the
 * stream holds back the longest answer. Everything before it is final: no match can reach across.
 */

const separators = ' -./():+';
const maximumSeparatorRun = 3;

/**
 * The default hold-back for `redactPii` and `redactSecrets`, the longest of:
 * - the trailing run of non-whitespace characters: a word may still grow into an e-mail
 *   address, a token, a JWT, a URL with a password, a dashed card number or an IPv6 address;
 * - the trailing run of digit groups and separators (spaces, dashes, dots, slashes, parentheses,
 *   colons, a leading +), with short upper-case groups inside it, a phone extension at its end
 *   and a word still being typed after it (a phone number can depend on the word that follows,
 *   "… 9808 office"): "4111 1111 1111 ", "+1 (415) 555-", "DE89 3704 0044 ", "2671 x", "9808 off";
 * - everything from a `-----BEGIN` line without a complete END line after it: a private key block
 *   until its END line is whole.
 * Plain prose therefore lags by at most its last partial word.
 *
 * @example
 * holdBackForRedaction('call me at +1 415 55'); // 10 ('+1 415 55')
 * holdBackForRedaction('Hello wor'); // 3 ('wor')
 */
export function holdBackForRedaction(text: string): number {
  return Math.max(trailingToken(text), trailingDigitGroups(text), openKeyBlock(text));
}

function trailingToken(text: string): number {
  let start = text.length;
  while (start > 0 && !/\s/.test(text[start - 1] ?? '')) start -= 1;
  return text.length - start;
}

function trailingDigitGroups(text: string): number {
  let end = text.length;
  // A phone extension in the making ("… 2671 x", "… 2671 ext. 12"), or a word being typed right
  // after the digits ("… 9808 off", "… 1152-Fa").
  const extension = /\d[ \-./()]{0,3}(?:x|ext\.?|extension|#)\s?\d{0,6}$/i.exec(text) ?? /\d[ \-,(]{1,2}[A-Za-z]{1,10}$/.exec(text);
  if (extension !== null) end = extension.index + 1;
  let position = skipSeparators(text, end);
  let start = end;
  let sawDigit = extension !== null;
  for (;;) {
    let tokenStart = position;
    while (tokenStart > 0 && /[A-Za-z0-9]/.test(text[tokenStart - 1] ?? '')) tokenStart -= 1;
    const token = text.slice(tokenStart, position);
    if (token === '') break;
    const hasDigit = /\d/.test(token);
    // Letters-only groups belong to IBANs ("GB82 WEST 1234…", "NL91 ABNA …") when they are short
    // and upper case; the run counts only if it has digits somewhere.
    if (!hasDigit && !/^[A-Z]{1,4}$/.test(token)) break;
    sawDigit ||= hasDigit;
    start = tokenStart;
    const before = skipSeparators(text, tokenStart);
    if (before === tokenStart) break;
    position = before;
  }
  if (!sawDigit) return 0;
  // Separators typed right before the first group ("+", "(") belong to it.
  while (start > 0 && '+('.includes(text[start - 1] ?? 'x')) start -= 1;
  return text.length - start;
}

function skipSeparators(text: string, from: number): number {
  let position = from;
  while (position > 0 && from - position < maximumSeparatorRun && separators.includes(text[position - 1] ?? 'x')) position -= 1;
  return position;
}

// A complete END line: a block whose END line is still being typed is still open.
const endLine = /-----END[ A-Z0-9_-]{0,40}-----/g;

function openKeyBlock(text: string): number {
  const begin = text.lastIndexOf('-----BEGIN');
  if (begin === -1) return 0;
  endLine.lastIndex = begin;
  return endLine.test(text) ? 0 : text.length - begin;
}
