import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../store/store.ts';
import { combineObservers, type Commit, type CommitObserver } from './commits.ts';

const commit: Commit = { run: { id: 'run_1' } as RunRecord, events: [{ type: 'step-start', step: 1, attempt: 1 }], lastSeq: 2, at: '2026-12-01T00:00:00.000Z' };

describe('combineObservers', () => {
  it('is nothing without observers, and the observer itself when there is one', () => {
    const only: CommitObserver = () => undefined;
    expect(combineObservers([])).toBeUndefined();
    expect(combineObservers([only])).toBe(only);
  });

  it('tells every observer, and returns no promise when none of them returned one', () => {
    const told: string[] = [];
    const combined = combineObservers([() => void told.push('a'), () => void told.push('b')]);
    expect(combined?.(commit)).toBeUndefined();
    expect(told).toEqual(['a', 'b']);
  });

  it('waits for the observers still working before it settles', async () => {
    const told: string[] = [];
    let finish = () => undefined as void;
    const slow = new Promise<void>((resolve) => (finish = resolve));
    const combined = combineObservers([() => slow.then(() => void told.push('slow')), () => void told.push('quick')]);
    const result = combined?.(commit);
    expect(result).toBeInstanceOf(Promise);
    let settled = false;
    void result?.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    finish();
    await result;
    expect(told).toEqual(['quick', 'slow']);
  });

  it('holds a quick rejection while an earlier observer is still at work, so none goes unhandled', async () => {
    const quick = new Error('quick');
    const combined = combineObservers([() => new Promise<void>((resolve) => setTimeout(resolve, 30)), () => Promise.reject(quick)]);
    const result = combined?.(commit);
    // Nothing handles `result` for a while: an unhandled inner rejection would surface meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(result).rejects.toBe(quick);
  });

  it('still tells the rest when one throws, and fails with the first failure in their order', async () => {
    const told: string[] = [];
    const thrown = new Error('thrown');
    const rejected = new Error('rejected');
    const combined = combineObservers([
      () => Promise.reject(rejected),
      () => {
        throw thrown;
      },
      () => void told.push('last'),
    ]);
    await expect(Promise.resolve().then(() => combined?.(commit))).rejects.toBe(rejected);
    expect(told).toEqual(['last']);

    const syncOnly = combineObservers([
      () => {
        throw thrown;
      },
      () => void told.push('after'),
    ]);
    expect(() => syncOnly?.(commit)).toThrow(thrown);
    expect(told).toEqual(['last', 'after']);
  });
});
