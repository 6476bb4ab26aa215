import { describe, expect, it } from 'vitest';
import { toolResultSize } from './tool-result-size.ts';
import { check, toolResultSubject } from './test-helpers.ts';

describe('toolResultSize', () => {
  it('cuts an oversized string result to a preview with a note of what was cut', async () => {
    const page = 'Lorem ipsum dolor sit amet. '.repeat(400); // 11,200 characters
    const verdict = await check(toolResultSize({ maxChars: 4_000, previewChars: 1_000 }), toolResultSubject('fetch_page', page));
    expect(verdict).toMatchObject({
      verdict: 'modify',
      reason: 'Cut the result of fetch_page to a preview of 1,000 of its 11,200 characters (limit 4,000).',
      changes: { originalChars: 11_200, keptChars: 1_000 },
    });
    const output = verdict.verdict === 'modify' ? String(verdict.replacement.output) : '';
    expect(output.startsWith(page.slice(0, 1_000))).toBe(true);
    expect(output.slice(1_000)).toBe(
      '\n[The result was 11,200 characters long; only the first 1,000 are shown, the other 10,200 were cut. Ask for less (a narrower query, a page) if you need more.]',
    );
  });

  it('measures structured results as JSON text, and cuts to maxChars by default', async () => {
    const rows = Array.from({ length: 200 }, (_, index) => ({ id: index, name: `Customer ${index}` }));
    const json = JSON.stringify(rows);
    const verdict = await check(toolResultSize({ maxChars: 500 }), toolResultSubject('list_customers', rows));
    expect(verdict).toMatchObject({ verdict: 'modify', changes: { originalChars: json.length, keptChars: 500 } });
    expect(verdict.verdict === 'modify' && String(verdict.replacement.output).startsWith(json.slice(0, 500))).toBe(true);
  });

  it('lets results within the limit through, and never splits a character', async () => {
    expect(await check(toolResultSize({ maxChars: 10 }), toolResultSubject('t', '0123456789'))).toEqual({ verdict: 'allow' });
    const verdict = await check(toolResultSize({ maxChars: 4, previewChars: 3 }), toolResultSubject('t', 'ab😀cd'));
    expect(verdict).toMatchObject({ changes: { keptChars: 2 } });
    expect(verdict.verdict === 'modify' && String(verdict.replacement.output).startsWith('ab\n')).toBe(true);
  });

  it('refuses a preview longer than the limit', () => {
    expect(() => toolResultSize({ maxChars: 100, previewChars: 200 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => toolResultSize({} as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
