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
