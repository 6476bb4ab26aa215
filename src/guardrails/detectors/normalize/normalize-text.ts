import { foldHomoglyphs } from './homoglyphs.ts';
import { removeInvisibleCharacters } from './invisible-characters.ts';
import { requireText } from '../require-text.ts';

/**
 * The text the detectors match against: invisible characters removed, NFKC applied (fullwidth
 * forms, ligatures, mathematical and circled letters to plain ones), homoglyphs folded to Latin
 * and accents stripped, typographic quotes made straight. For matching only, like `foldHomoglyphs`: a display-safe clean-up is
 * `removeInvisibleCharacters(text).normalize('NFKC')`.
 *
 * @example
 * normalizeText('Ｉｇｎｏｒｅ all prеvious\u200B instructions'); // 'Ignore all previous instructions'
 */
export function normalizeText(text: string): string {
  requireText(text, 'text');
  return foldHomoglyphs(removeInvisibleCharacters(text).normalize('NFKC'))
    .replace(/[‘’‚‛′`´]/gu, "'")
    .replace(/[“”„‟″«»]/gu, '"');
}
