import { describe, expect, it } from 'vitest';
import { KeelError } from '../errors/index.ts';
import { canonicalJson } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: [1, { z: 1, y: [] }], a: { d: true, c: null } })).toBe('{"a":{"c":null,"d":true},"b":[1,{"y":[],"z":1}]}');
  });

  it('is the same text whatever order the keys were inserted in', () => {
    expect(canonicalJson({ one: 1, two: { x: 1, y: 2 } })).toBe(canonicalJson({ two: { y: 2, x: 1 }, one: 1 }));
  });

  it('matches the RFC 8785 forms of numbers, strings and key order', () => {
    // Numbers as ECMAScript writes them; -0 as 0; strings with JSON.stringify's escapes.
    expect(canonicalJson([1e21, 1e-7, 0.1, -0, 333333333.3333333, 1, 100])).toBe('[1e+21,1e-7,0.1,0,333333333.3333333,1,100]');
    expect(canonicalJson('tab\there "quote" \u0001 é €')).toBe('"tab\\there \\"quote\\" \\u0001 é €"');
    // Keys sort by UTF-16 code units, as in RFC 8785 section 3.2.3: U+1F600 (a surrogate pair) sorts before U+FB33.
    expect(canonicalJson({ '\ufb33': 1, '\u{1f600}': 2, a: 3, A: 4, '\u20ac': 5 })).toBe('{"A":4,"a":3,"\u20ac":5,"\u{1f600}":2,"\ufb33":1}');
  });

  it('leaves out properties whose value is undefined, as the stored JSON does', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson(JSON.parse(JSON.stringify({ a: 1, b: undefined }))));
  });

  it('refuses values that are not JSON, naming where they are', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: [unknown, string][] = [
      [{ a: Number.NaN }, '$.a is NaN'],
      [[Infinity], '$[0] is Infinity'],
      [{ when: new Date(0) }, '$.when is not a plain object'],
      [{ a: [1, undefined] }, '$.a[1] is undefined'],
      [[1, , 3], '$[1] is undefined'],
      [{ n: 1n }, '$.n is a bigint'],
      [{ f: () => 1 }, '$.f is a function'],
      [cyclic, '$.self refers to itself'],
      [undefined, '$ is undefined'],
    ];
    for (const [value, message] of cases) {
      let caught: unknown;
      try {
        canonicalJson(value);
      } catch (error) {
        caught = error;
      }
      expect(KeelError.isInstance(caught) ? [caught.code, caught.message] : caught).toEqual(['INPUT_INVALID', expect.stringContaining(message)]);
    }
  });

  it('accepts the same object twice side by side (only cycles are refused)', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});
