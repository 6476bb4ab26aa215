/*
 * Characters that render as nothing (or reorder what is shown) and so let a text say one thing to
 * a reader and another to a model or a pattern: zero-width spaces and joiners, the word joiner,
 * the soft hyphen, bidirectional controls, variation selectors and Unicode tag characters.
 */

// Zero-width (U+200B–U+200D, U+2060–U+2064, U+FEFF, U+180E), soft hyphen, combining grapheme
// joiner, Hangul fillers, bidi marks and embeddings/overrides/isolates (U+061C, U+200E–U+200F,
// U+202A–U+202E, U+2066–U+2069), interlinear annotation controls, variation selectors.
const invisible =
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF9-\uFFFB]|[\u{E0000}-\u{E0FFF}]/gu;
const invisibleTest = new RegExp(invisible.source, 'u');
// Unicode tag characters U+E0020–U+E007E mirror printable ASCII; they are invisible in most
// renderers, which makes them a channel for smuggling instructions ("ASCII smuggling").
const tagCharacters = /[\u{E0020}-\u{E007E}]/gu;

/**
 * Removes zero-width characters, bidirectional controls, variation selectors and Unicode tag
 * characters. Safe for display: visible text is unchanged.
 *
 * @example
 * removeInvisibleCharacters('ig\u200Bnore'); // 'ignore'
 */
export function removeInvisibleCharacters(text: string): string {
  return invisibleTest.test(text) ? text.replace(invisible, '') : text;
}

/** True when the text holds any character that `removeInvisibleCharacters` removes. */
export function hasInvisibleCharacters(text: string): boolean {
  return invisibleTest.test(text);
}

/**
 * The ASCII text hidden in Unicode tag characters (each U+E00xx stands for the ASCII character
 * 0xxx), or `''` when there is none. The tags are removed by `removeInvisibleCharacters`; this
 * reads what they said.
 *
 * @example
 * revealTagCharacters('hi\u{E0069}\u{E0067}'); // 'ig'
 */
export function revealTagCharacters(text: string): string {
  let hidden = '';
  for (const match of text.matchAll(tagCharacters)) hidden += String.fromCharCode((match[0].codePointAt(0) ?? 0) - 0xe0000);
  return hidden;
}
