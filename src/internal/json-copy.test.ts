import { describe, expect, it } from 'vitest';
import { jsonCopy } from './json-copy.ts';

/** What the store hands back for a value it wrote. */
const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

class Money {
  readonly cents: number;
  constructor(cents: number) {
    this.cents = cents;
  }
  toJSON(key: string) {
    return { cents: this.cents, key };
  }
}

class Point {
  readonly kind = 'point';
  readonly x: number;
  readonly y: number;
  constructor(x: number, y: number) {
    this.x = x;
    this.y = y;
  }
  get length() {
    return Math.hypot(this.x, this.y);
  }
}

describe('jsonCopy', () => {
  const cases: Record<string, unknown> = {
    'a turn of events': {
      step: 3,
      toolCalls: [{ callId: 'call_3', toolName: 'read_record', arguments: '{"id":3}' }],
      usage: { inputTokens: 120, outputTokens: 12, cachedTokens: 0 },
      output: { id: 3, name: 'Record 3', status: 'ok', tags: ['a', 'b'], nested: { deep: [{ x: null }] } },
    },
    'dates and toJSON, with the key they are called with': { at: new Date(0), price: new Money(250), list: [new Money(1), new Date(86_400_000)] },
    'undefined, functions and symbols': { a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1, Symbol('t')], e: 1 },
    'numbers JSON cannot write': { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, negInf: -Infinity, negZero: -0, list: [Number.NaN, -0, 1e21, 5e-324] },
    'boxed primitives': { n: Object(5) as unknown, s: Object('text') as unknown, b: Object(false) as unknown },
    'class instances, their getters left out': { point: new Point(3, 4) },
    'maps, sets and symbol keys': { map: new Map([['a', 1]]), set: new Set([1]), [Symbol('hidden')]: 1, shown: true },
    'holes in arrays': { sparse: [1, , 3] },
    'key order': { z: 1, a: 2, 10: 'ten', 2: 'two', m: 3 },
    'a buffer': { bytes: Buffer.from('hi') },
    'strings with escapes': { text: 'tab\t"quote" \u0000 é 😀 \ud800' },
    'a top-level array': [1, 'two', { three: 3 }, null, undefined],
    'a top-level date': new Date(1_700_000_000_000),
    'a top-level string': 'plain',
  };

  for (const [name, value] of Object.entries(cases)) {
    it(`copies ${name} exactly as a JSON round trip does`, () => {
      const copied = jsonCopy(value);
      expect(copied).toStrictEqual(roundTrip(value));
      // Same keys in the same order, at every depth.
      expect(JSON.stringify(copied)).toBe(JSON.stringify(value));
    });
  }

  it('keeps a key named __proto__ as an own property, as JSON.parse does, never as the prototype', () => {
    const value = JSON.parse('{"output":{"__proto__":{"admin":true},"x":1},"list":[{"__proto__":1}]}') as unknown;
    const copied = jsonCopy(value) as { output: Record<string, unknown> };
    expect(copied).toStrictEqual(roundTrip(value));
    expect(JSON.stringify(copied)).toBe(JSON.stringify(value));
    expect(Object.getPrototypeOf(copied.output)).toBe(Object.prototype);
    expect('admin' in copied.output).toBe(false);
  });

  it('turns -0 into 0, as the text "0" reads back', () => {
    expect(Object.is((jsonCopy({ z: -0 }) as { z: number }).z, 0)).toBe(true);
  });

  it('shares nothing with what it copied', () => {
    const value = { list: [{ a: 1 }], inner: { b: 2 } };
    const copied = jsonCopy(value) as typeof value;
    copied.list[0]!.a = 9;
    copied.inner.b = 9;
    expect(value).toStrictEqual({ list: [{ a: 1 }], inner: { b: 2 } });
  });

  it('throws on a bigint without toJSON, as JSON does', () => {
    expect(() => jsonCopy({ big: 1n })).toThrow(TypeError);
    expect(() => JSON.stringify({ big: 1n })).toThrow(TypeError);
  });
});
