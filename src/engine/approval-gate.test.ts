import { describe, expect, it } from 'vitest';
import { approvalIdFor } from './approval-gate.ts';

describe('approvalIdFor', () => {
  it('derives the id from run, step and call as every earlier version did, so a journaled request keeps its inbox row after an upgrade', () => {
    // Pinned: the first 28 hex digits of the SHA-256 of the three, NUL-separated.
    expect(approvalIdFor('run_0mx4gom74c2332673bb30368cda99', 3, 'call_1')).toBe('apr_0dd62f037538c1e6d1317a6811a5');
    expect(approvalIdFor('run_0mx4gom74c2332673bb30368cda99', 3, 'call_2')).not.toBe(approvalIdFor('run_0mx4gom74c2332673bb30368cda99', 3, 'call_1'));
  });
});
