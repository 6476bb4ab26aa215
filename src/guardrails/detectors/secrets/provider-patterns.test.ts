import { describe, expect, it } from 'vitest';
import { fixtureSecretRows } from '../../../../bench/lib/guardrail-corpora.ts';
import { providerPatterns } from './provider-patterns.ts';

describe('providerPatterns', () => {
  it('have unique kebab-case types', () => {
    const types = providerPatterns.map((pattern) => pattern.type);
    expect(new Set(types).size).toBe(types.length);
    for (const type of types) expect(type).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });

  it('never skip a text that a pattern matches: every match contains one of its hints', () => {
    let matches = 0;
    for (const { text } of fixtureSecretRows()) {
      for (const { type, pattern, hints } of providerPatterns) {
        for (const match of text.matchAll(pattern)) {
          matches += 1;
          if (hints.length > 0)
            expect(
              hints.some((hint) => match[0].includes(hint)),
              `${type} hints ${hints.join(', ')}`,
            ).toBe(true);
        }
      }
    }
    expect(matches).toBeGreaterThan(100);
  });
});
