/*
 * Letters of other scripts that look like Latin ones. NFKC already maps fullwidth forms,
 * mathematical alphanumerics, circled and superscript letters; these it leaves alone, because
 * they are distinct letters of their own scripts.
 */
const lookAlikes: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  с: 'c',
  ԁ: 'd',
  е: 'e',
  ё: 'e',
  һ: 'h',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  ӏ: 'l',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  ԛ: 'q',
  ѕ: 's',
  т: 't',
  у: 'y',
  ү: 'y',
  х: 'x',
  ԝ: 'w',
  ь: 'b',
  г: 'r',
  п: 'n',
  и: 'u',
  л: 'n',
  ш: 'w',
  А: 'A',
  В: 'B',
  С: 'C',
  Е: 'E',
  Ё: 'E',
  Н: 'H',
  І: 'I',
  Ї: 'I',
  Ј: 'J',
  К: 'K',
  М: 'M',
  О: 'O',
  Р: 'P',
  Ѕ: 'S',
  Т: 'T',
  У: 'Y',
  Х: 'X',
  Ԝ: 'W',
  Ү: 'Y',
  Ԁ: 'D',
  Ԛ: 'Q',
  Ӏ: 'I',
  // Greek
  α: 'a',
  β: 'b',
  γ: 'y',
  δ: 'd',
  ε: 'e',
  ζ: 'z',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  ς: 's',
  σ: 'o',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  ϲ: 'c',
  ϳ: 'j',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  Ϲ: 'C',
  // Armenian, Cherokee and Latin extensions that pass NFKC unchanged
  օ: 'o',
  ս: 'u',
  ց: 'g',
  հ: 'h',
  ո: 'n',
  ռ: 'n',
  ա: 'w',
  ı: 'i',
  ȷ: 'j',
  ɡ: 'g',
  ɑ: 'a',
  ɩ: 'i',
  ʋ: 'u',
  ƿ: 'p',
  ß: 'ss',
  ø: 'o',
  Ø: 'O',
  đ: 'd',
  ħ: 'h',
  ł: 'l',
  Ł: 'L',
  Ꭺ: 'A',
  Ᏼ: 'B',
  Ꮯ: 'C',
  Ꭼ: 'E',
  Ꮋ: 'H',
  Ꮃ: 'W',
  Ꮇ: 'M',
  Ꭲ: 'T',
  Ꮪ: 'S',
  Ꮓ: 'Z',
  // Latin small capitals
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ꜰ: 'f',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ʏ: 'y',
  ᴢ: 'z',
};
const lookAlikePattern = new RegExp(`[${Object.keys(lookAlikes).join('')}]`, 'gu');
// Regional indicator symbols (🇦 … 🇿) and negative squared/circled capitals (🅐 🅰 …), which NFKC
// does not map, spell words letter by letter.
const letterSymbols = /[\u{1F1E6}-\u{1F1FF}\u{1F150}-\u{1F169}\u{1F170}-\u{1F189}]/gu;
// Combining marks (accents stacked on letters: "ïgnörë", Zalgo text).
const combiningMarks = /\p{Mn}+/gu;

function letterSymbol(symbol: string): string {
  const point = symbol.codePointAt(0) ?? 0;
  const base = point >= 0x1f1e6 ? 0x1f1e6 : point >= 0x1f170 ? 0x1f170 : 0x1f150;
  return String.fromCharCode(65 + point - base);
}

/**
 * Folds letters of other scripts that look like Latin letters (Cyrillic, Greek, Armenian,
 * Cherokee, small capitals, letter emoji) to those Latin letters, and strips combining accents.
 * For matching only: it turns real Cyrillic or Greek text into nonsense Latin, so never show or
 * store its output in place of the original.
 *
 * @example
 * foldHomoglyphs('іgnоrе'); // 'ignore' (Cyrillic і, о, е)
 */
export function foldHomoglyphs(text: string): string {
  let folded = text.replace(lookAlikePattern, (letter) => lookAlikes[letter] ?? letter).replace(letterSymbols, letterSymbol);
  if (/[\u0300-\u036F\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]/u.test(folded) || /[À-ɏ]/u.test(folded)) {
    folded = folded.normalize('NFD').replace(combiningMarks, '').normalize('NFC');
  }
  return folded;
}

// The look-alikes that are letters of another script (not Latin extensions such as ß or ł, nor
// small capitals, which are Latin and belong to words as written): what a spoofed word borrows.
const scriptOf = (letter: string): string | undefined =>
  /\p{Script=Cyrillic}/u.test(letter)
    ? 'Cyrillic'
    : /\p{Script=Greek}/u.test(letter)
      ? 'Greek'
      : /\p{Script=Armenian}/u.test(letter)
        ? 'Armenian'
        : /\p{Script=Cherokee}/u.test(letter)
          ? 'Cherokee'
          : undefined;
const foreignLookAlikes = new Map(
  Object.keys(lookAlikes).flatMap((letter) => {
    const script = scriptOf(letter);
    return script === undefined ? [] : [[letter, script] as const];
  }),
);
const foreignLookAlikeTest = new RegExp(`[${[...foreignLookAlikes.keys()].join('')}]`, 'u');
const foreignLetter = /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}\p{Script=Cherokee}]/u;
const wordPattern = /[\p{L}\p{M}\p{N}]+/gu;
const latinLetter = /\p{Script=Latin}/u;

/**
 * Folds look-alike letters of other scripts (Cyrillic, Greek, Armenian, Cherokee) to Latin where
 * they disguise Latin words, and leaves real text of those scripts alone. A word is folded when
 * it mixes Latin letters with look-alikes ("pаypal" with a Cyrillic а), or when it is made of
 * look-alikes only and the text holds no letter of that script that is not a look-alike (a word
 * such as "сосое" in English text; a Russian text always has letters such as д or я somewhere).
 * Accents and Latin letters are never changed. Safe to show: unlike `foldHomoglyphs`, its output
 * can stand in for the original.
 *
 * @example
 * foldMixedScriptHomoglyphs('Log in to pаypаl'); // { text: 'Log in to paypal', folded: 2 }
 * foldMixedScriptHomoglyphs('Привет, как дела?'); // { text: 'Привет, как дела?', folded: 0 }
 */
export function foldMixedScriptHomoglyphs(text: string): { text: string; folded: number } {
  if (!foreignLookAlikeTest.test(text)) return { text, folded: 0 };
  // Scripts that appear with letters no Latin letter resembles: real text in that script.
  const genuine = new Set<string>();
  for (const letter of text) {
    if (foreignLetter.test(letter) && !foreignLookAlikes.has(letter)) {
      const script = scriptOf(letter);
      if (script !== undefined) genuine.add(script);
    }
  }
  let folded = 0;
  const result = text.replace(wordPattern, (word) => {
    if (!foreignLookAlikeTest.test(word)) return word;
    const letters = [...word];
    // A letter of another script with no Latin twin: the word is written in that script.
    if (letters.some((letter) => foreignLetter.test(letter) && !foreignLookAlikes.has(letter))) return word;
    const mixed = letters.some((letter) => latinLetter.test(letter));
    if (!mixed && letters.some((letter) => genuine.has(foreignLookAlikes.get(letter) ?? ''))) return word;
    return letters
      .map((letter) => {
        const latin = foreignLookAlikes.has(letter) ? lookAlikes[letter] : undefined;
        if (latin === undefined) return letter;
        folded += 1;
        return latin;
      })
      .join('');
  });
  return { text: result, folded };
}
