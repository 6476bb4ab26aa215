/**
 * Hostile inputs for the fuzz tests, generated from a seed so a failure can be replayed. Each
 * class is a kind of value that some layer might mishandle; every generator draws its details
 * (where in a string the bad character sits, which one it is) from the seeded random source.
 */
export type HostileClass =
  | 'high-surrogate'
  | 'low-surrogate'
  | 'reversed-pair'
  | 'noncharacter'
  | 'control'
  | 'bidi'
  | 'escape-sequence'
  | 'invisible'
  | 'replacement-character'
  | 'path-traversal'
  | 'blank'
  | 'oversize';

export interface HostileValue {
  kind: HostileClass;
  value: string;
}

/** Classes that are bad in any text, not only in identifiers: lone surrogates, and sheer size. */
export const badInAnyText: ReadonlySet<HostileClass> = new Set(['high-surrogate', 'low-surrogate', 'reversed-pair', 'oversize']);

/** A small seeded generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

const noncharacters = ['\ufffe', '\uffff', '\ufdd0', '\ufdef', '\u{1fffe}', '\u{10ffff}'];
// No CR or LF: in a header they would not be a value with a control character in it, but two header lines.
const controls = ['\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u001f', '\u007f', '\u0085', '\u009b', '\t'];
const bidi = ['\u202e', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069', '\u200f', '\u061c'];
const escapes = ['\u001b[2J', '\u001b]0;owned\u0007', '\u001b[31mred\u001b[0m', '\u009b31m', '\u001bP+q\u001b\\'];
const invisible = ['\u200b', '\u200d', '\u2060', '\ufeff', '\u00ad'];
const traversal = ['../../etc/passwd', '..', '..\\..\\windows\\win.ini', 'a/../../b', './.'];

/** `insert` somewhere in a short ordinary string (or alone). */
function embed(random: () => number, insert: string): string {
  const base = pick(random, ['', 'ana', 'run_0abc', 'x y', 'grüße']);
  const at = Math.floor(random() * (base.length + 1));
  return `${base.slice(0, at)}${insert}${base.slice(at)}`;
}

/** One value of every class, details drawn from `random`. `oversizeLength` sets how long the oversize one is. */
export function hostileStrings(random: () => number, options: { oversizeLength: number }): HostileValue[] {
  return [
    { kind: 'high-surrogate', value: embed(random, pick(random, ['\ud800', '\udbff', '\ud83d'])) },
    { kind: 'low-surrogate', value: embed(random, pick(random, ['\udc00', '\udfff', '\ude00'])) },
    { kind: 'reversed-pair', value: embed(random, '\ude00\ud83d') },
    { kind: 'noncharacter', value: embed(random, pick(random, noncharacters)) },
    { kind: 'control', value: embed(random, pick(random, controls)) },
    { kind: 'bidi', value: embed(random, pick(random, bidi)) },
    { kind: 'escape-sequence', value: embed(random, pick(random, escapes)) },
    { kind: 'invisible', value: embed(random, pick(random, invisible)) },
    { kind: 'replacement-character', value: embed(random, '\ufffd') },
    { kind: 'path-traversal', value: pick(random, traversal) },
    { kind: 'blank', value: pick(random, ['', ' ', '\u3000']) },
    { kind: 'oversize', value: pick(random, ['x', 'é', '😀']).repeat(options.oversizeLength) },
  ];
}

/** JSON values of every type but the one a field has. */
export function wrongTypes(type: string | undefined): unknown[] {
  const all: Record<string, unknown> = { string: 'x', number: 42, integer: 7, boolean: true, null: null, object: { a: 1 }, array: ['x'] };
  return Object.entries(all)
    .filter(([name]) => name !== type && !(type === 'number' && name === 'integer') && !(type === 'integer' && name === 'number'))
    .map(([, value]) => value);
}

/**
 * JSON text of arrays (or objects) nested `depth` deep. Text, not a value: `JSON.stringify` is
 * recursive and would exhaust the test's own stack.
 */
export function deeplyNestedJson(depth: number, shape: 'array' | 'object'): string {
  return shape === 'array' ? `${'['.repeat(depth)}"bottom"${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}"bottom"${'}'.repeat(depth)}`;
}

/**
 * UTF-8 bytes of `text`, except that a lone surrogate is written as the three bytes UTF-8 would
 * use for its code point (CESU-style): bytes that are not UTF-8, as a broken client would send.
 */
export function rawBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    let code = unit;
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      code = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
      index += 1;
    }
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
  return Buffer.from(bytes);
}

/** Percent-encodes every byte of `rawBytes(text)` outside the unreserved set: lone surrogates become %ED%A0%80 and the like. */
export function percentEncode(text: string): string {
  let encoded = '';
  for (const byte of rawBytes(text)) {
    const character = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9\-._~]/.test(character) ? character : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}
