import { defineGuardrail, type Guardrail, type GuardrailVerdict } from '../sdk/define-guardrail.ts';
import { foldMixedScriptHomoglyphs } from './detectors/normalize/homoglyphs.ts';
import { hasInvisibleCharacters, removeInvisibleCharacters, revealTagCharacters } from './detectors/normalize/invisible-characters.ts';
import { counted } from './support/guardrail-options.ts';

/**
 * Unicode normalisation of the user's message, so the model and every later guardrail read what
 * a person reading the message sees:
 *
 * - invisible characters removed: zero-width spaces and joiners, bidi controls (which reorder
 *   what is shown), variation selectors, the soft hyphen and Unicode tag characters (ASCII
 *   hidden from readers) — except inside emoji, whose joiners, presentation selectors and
 *   subdivision-flag tags are part of what is shown (👨‍👩‍👧, ❤️, 🏴󠁧󠁢󠁳󠁣󠁴󠁿);
 * - NFKC: fullwidth, mathematical, circled and ligature forms to plain letters and digits;
 * - look-alike letters of other scripts folded to Latin where they disguise a Latin word
 *   ("pаypal" with a Cyrillic а), never in real Cyrillic, Greek or Armenian text
 *   (`foldMixedScriptHomoglyphs`).
 *
 * A changed message is a `modify` verdict with the normalised text; `changes` counts what was
 * done (`invisibleCharacters`, `tagCharacters` among them, `compatibilityCharacters`,
 * `homoglyphs`). Put it first at `input`, before the guardrails that read the text.
 *
 * @example
 * defineAgent({ ..., guardrails: { input: [normalizeUnicode(), promptInjection()] } });
 */
export function normalizeUnicode(): Guardrail {
  return defineGuardrail({
    name: 'normalize-unicode',
    boundaries: ['input'],
    check(subject): GuardrailVerdict {
      if (subject.boundary !== 'input') return { verdict: 'allow' };
      const normalized = normalizeForDisplay(subject.text);
      if (normalized.text === subject.text) return { verdict: 'allow' };
      const { changes } = normalized;
      const done = [
        changes.invisibleCharacters > 0
          ? `removed ${counted(changes.invisibleCharacters, 'invisible character')}${changes.tagCharacters > 0 ? ` (${counted(changes.tagCharacters, 'tag character')} hiding text among them)` : ''}`
          : '',
        changes.compatibilityCharacters > 0 ? `replaced ${counted(changes.compatibilityCharacters, 'compatibility character')} (NFKC)` : '',
        changes.homoglyphs > 0 ? `folded ${counted(changes.homoglyphs, 'look-alike letter')} to Latin` : '',
      ].filter((part) => part !== '');
      return {
        verdict: 'modify',
        reason: `Normalised the message's Unicode: ${done.join(', ')}.`,
        replacement: { text: normalized.text },
        changes: Object.fromEntries(Object.entries(changes).filter(([, count]) => count > 0)),
      };
    },
  });
}

interface NormalizeChanges {
  invisibleCharacters: number;
  tagCharacters: number;
  compatibilityCharacters: number;
  homoglyphs: number;
}

function normalizeForDisplay(text: string): { text: string; changes: NormalizeChanges } {
  const { visible, invisibleCharacters, tagCharacters } = removeInvisibleOutsideEmoji(text);
  const composed = visible.normalize('NFKC');
  let compatibilityCharacters = 0;
  if (composed !== visible) {
    // Counted per character: what NFKC maps on its own (composition across characters, as in
    // "e" + a combining accent, is not a compatibility form and not worth a count).
    for (const character of visible) if (character.normalize('NFKC') !== character) compatibilityCharacters += 1;
  }
  const folded = foldMixedScriptHomoglyphs(composed);
  return { text: folded.text, changes: { invisibleCharacters, tagCharacters, compatibilityCharacters, homoglyphs: folded.folded } };
}

// Emoji sequences made with invisible characters: joined pictographs (with skin tones and
// presentation selectors), a pictograph or keycap with its emoji presentation selector, and a
// subdivision flag (a black flag, two to six tag letters, the cancel tag).
const emojiSequence =
  /\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?)+|\p{Extended_Pictographic}\uFE0F|[0-9#*]\uFE0F\u20E3|\u{1F3F4}[\u{E0061}-\u{E007A}]{2,6}\u{E007F}/gu;

function removeInvisibleOutsideEmoji(text: string): { visible: string; invisibleCharacters: number; tagCharacters: number } {
  if (!hasInvisibleCharacters(text)) return { visible: text, invisibleCharacters: 0, tagCharacters: 0 };
  let invisibleCharacters = 0;
  let tagCharacters = 0;
  const clean = (part: string) => {
    const cleaned = removeInvisibleCharacters(part);
    if (cleaned !== part) {
      invisibleCharacters += codePoints(part) - codePoints(cleaned);
      tagCharacters += revealTagCharacters(part).length;
    }
    return cleaned;
  };
  let visible = '';
  let from = 0;
  for (const match of text.matchAll(emojiSequence)) {
    visible += clean(text.slice(from, match.index)) + match[0];
    from = match.index + match[0].length;
  }
  return { visible: visible + clean(text.slice(from)), invisibleCharacters, tagCharacters };
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
