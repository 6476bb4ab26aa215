import { describe, expect, it } from 'vitest';
import { assertIdentifier, assertJson, identifierProblem, jsonProblem, textProblem } from './text-rules.ts';

describe('text rules', () => {
  it('accept ordinary text and identifiers in any script', () => {
    for (const value of ['ana', 'user_42', 'Zoë', '山田', 'مريم', 'a b', 'emoji 🚀', 'x'.repeat(200)]) {
      expect(identifierProblem(value), value).toBeUndefined();
      expect(textProblem(value)).toBeUndefined();
    }
  });

  it('refuse lone surrogates in text and identifiers, high and low', () => {
    for (const value of ['\ud800', 'a\udbffb', '\udc00', 'tail\udfff']) {
      expect(textProblem(value)).toMatch(/well-formed/);
      expect(identifierProblem(value)).toMatch(/well-formed/);
    }
  });

  it('refuse controls, bidi controls, invisible characters, noncharacters and U+FFFD in identifiers only', () => {
    const cases: Array<[string, RegExp]> = [
      ['a\u0000b', /control/],
      ['\u001b[2J', /control/],
      ['a\u007f', /control/],
      ['a\u009bb', /control/],
      ['evil\u202egnp.exe', /bidirectional/],
      ['x\u2066y', /bidirectional/],
      ['a\u200bb', /invisible/],
      ['\ufeffana', /invisible/],
      ['a\ufdd0', /noncharacter/],
      ['a\u{10ffff}', /noncharacter/],
      ['a\ufffd', /U\+FFFD/],
      ['   ', /empty/],
      ['../../etc/passwd', /path segment/],
      ['a/../b', /path segment/],
      ['..\\windows', /path segment/],
      ['..', /path segment/],
      ['./x', /path segment/],
    ];
    for (const [value, problem] of cases) {
      expect(identifierProblem(value), JSON.stringify(value)).toMatch(problem);
      if (!/empty/.test(problem.source)) expect(textProblem(value)).toBeUndefined();
    }
  });

  it('accept dots and slashes that climb nowhere', () => {
    for (const value of ['org/user', 'v1.2.3', 'john..doe', '.hidden', 'a/.b/c', '.../x', 'https://example.com/a'])
      expect(identifierProblem(value), value).toBeUndefined();
  });

  it('name the field in the error', () => {
    expect(() => assertIdentifier('a\u202eb', 'userId')).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID', details: { field: 'userId', problem: expect.stringMatching(/bidirectional/) } }),
    );
    expect(() => assertIdentifier(42, 'sessionId')).toThrow(expect.objectContaining({ details: { field: 'sessionId', problem: 'must be a string' } }));
  });

  it('check JSON of any depth without recursion, naming the place of the first problem', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 100_000; level += 1) deep = { a: deep };
    expect(jsonProblem(deep, { maxDepth: 32, maxNodes: 1_000_000 }, 'metadata')?.problem).toBe('nests deeper than 32 levels');
    expect(jsonProblem({ tags: ['ok', 'bad\ud800'] }, undefined, 'metadata')).toEqual({
      path: 'metadata.tags[1]',
      problem: expect.stringMatching(/surrogate/),
    });
    expect(jsonProblem({ ['k\udc00']: 1 })?.problem).toMatch(/key/);
    expect(jsonProblem(Array.from({ length: 20_000 }, () => 1))?.problem).toBe('holds more than 10000 values');
    expect(jsonProblem({ fine: [1, 'two', { three: null }] })).toBeUndefined();
    expect(() => assertJson([[[[1]]]], { limits: { maxDepth: 2, maxNodes: 100 }, what: 'the request body' })).toThrow(/\[0\]\[0\] nests deeper than 2 levels/);
  });
});
