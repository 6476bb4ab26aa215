import { describe, expect, it } from 'vitest';
import { shellWord } from './shell-word.ts';

describe('shellWord', () => {
  it('leaves plain words alone and single-quotes the rest so a shell reads one word back', () => {
    expect(shellWord('support')).toBe('support');
    expect(shellWord('team.eu-1/ops@x')).toBe('team.eu-1/ops@x');
    expect(shellWord('two words')).toBe("'two words'");
    expect(shellWord("it's $HOME")).toBe("'it'\\''s $HOME'");
    expect(shellWord('')).toBe("''");
  });
});
