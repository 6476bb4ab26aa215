import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, type ErrorCode } from './catalogue.ts';
import { KeelError, toKeelError } from './keel-error.ts';

interface DocumentedCode {
  code: string;
  status: number;
  category: string;
  retryable: boolean;
}

/** Rows of the tables in docs/errors.md that start with a backticked code. */
async function documentedCodes(): Promise<DocumentedCode[]> {
  const text = await readFile(join(import.meta.dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
  const rows: DocumentedCode[] = [];
  for (const line of text.split('\n')) {
    const match = /^\|\s*`([A-Z0-9_]+)`\s*\|\s*(\d+)\s*\|\s*([a-z-]+)\s*\|\s*(yes|no)\s*\|\s*\S.*\|\s*\S.*\|\s*$/.exec(line);
    if (match !== null) {
      rows.push({ code: match[1] ?? '', status: Number(match[2]), category: match[3] ?? '', retryable: match[4] === 'yes' });
    }
  }
  return rows;
}

describe('error catalogue and docs/errors.md', () => {
  it('documents every catalogue code, and only those', async () => {
    const documented = (await documentedCodes()).map((row) => row.code);
    const catalogued = Object.keys(errorCatalogue);
    expect(
      documented.filter((code) => !catalogued.includes(code)),
      'documented but not in the catalogue',
    ).toEqual([]);
    expect(
      catalogued.filter((code) => !documented.includes(code)),
      'in the catalogue but not documented',
    ).toEqual([]);
    expect(new Set(documented).size, 'a code is documented twice').toBe(documented.length);
  });

  it('documents the status, category and retryability the catalogue holds', async () => {
    for (const row of await documentedCodes()) {
      const entry = errorCatalogue[row.code as ErrorCode];
      expect({ code: row.code, status: row.status, category: row.category, retryable: row.retryable }).toEqual({
        code: row.code,
        status: entry.status,
        category: entry.category,
        retryable: entry.retryable,
      });
    }
  });
});

describe('KeelError', () => {
  it('takes status, category and retryability from the catalogue', () => {
    const error = new KeelError({ code: 'MODEL_RATE_LIMITED', message: 'slow down' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('KeelError');
    expect([error.status, error.category, error.retryable]).toEqual([429, 'third-party', true]);
    expect(new KeelError({ code: 'MODEL_RATE_LIMITED', message: 'no', retryable: false }).retryable).toBe(false);
    expect(new KeelError({ code: 'RUN_NOT_FOUND', message: 'x' }).status).toBe(404);
  });

  it('recognises a KeelError from another copy of the package by its Symbol.for brand', async () => {
    // A query string makes the module loader evaluate keel-error.ts a second time: a true copy.
    const specifier = './keel-error.ts?second-copy';
    const copy = (await import(specifier)) as typeof import('./keel-error.ts');
    expect(copy.KeelError).not.toBe(KeelError);
    const foreign = new copy.KeelError({ code: 'INTERNAL', message: 'from elsewhere' });
    expect(foreign instanceof KeelError).toBe(false);
    expect(KeelError.isInstance(foreign)).toBe(true);
    expect(KeelError.isInstance({ [Symbol.for('keel.error')]: true })).toBe(true);
    expect(KeelError.isInstance(new Error('plain'))).toBe(false);
    expect(KeelError.isInstance({ [Symbol('keel.error')]: true })).toBe(false);
    expect(KeelError.isInstance(null)).toBe(false);
    // toKeelError keeps a foreign KeelError as it is rather than wrapping it as INTERNAL.
    expect(toKeelError(foreign)).toBe(foreign);
  });

  it('serialises to { code, message, details? } and nothing else', () => {
    const withDetails = new KeelError({ code: 'INPUT_INVALID', message: 'bad', details: { field: 'agent' }, cause: new Error('secret') });
    expect(JSON.parse(JSON.stringify(withDetails))).toEqual({ code: 'INPUT_INVALID', message: 'bad', details: { field: 'agent' } });
    expect(new KeelError({ code: 'INTERNAL', message: 'x' }).toJSON()).toEqual({ code: 'INTERNAL', message: 'x' });
  });

  it('wraps unknown throwables with a fallback code', () => {
    const wrapped = toKeelError(new Error('boom'), 'TOOL_FAILED');
    expect([wrapped.code, wrapped.message]).toEqual(['TOOL_FAILED', 'boom']);
    expect(toKeelError('text').code).toBe('INTERNAL');
  });
});
