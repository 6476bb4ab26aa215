/** Characters a POSIX shell passes through as they are, outside quotes. */
const plainWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * A value written so a POSIX shell reads it back as one word: as it is when that is safe,
 * otherwise in single quotes. For the commands the CLI suggests (`more: keel runs ls --agent …`).
 *
 * @example
 * shellWord('support'); // 'support'
 * shellWord("it's"); // `'it'\''s'`
 */
export function shellWord(value: string): string {
  if (plainWord.test(value)) return value;
  return `'${value.replaceAll("'", "'\\''")}'`;
}
