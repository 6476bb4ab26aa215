import { describe, expect, it } from 'vitest';
import { createId, toolIdempotencyKey } from './ids.ts';

describe('createId', () => {
  it('is the prefix, the time in base 36 and 80 random bits', () => {
    const at = new Date('2026-12-01T12:00:00.000Z');
    const id = createId('run', at);
    expect(id).toMatch(/^run_[0-9a-z]{9}[0-9a-f]{20}$/);
    expect(id.slice(4, 13)).toBe(at.getTime().toString(36).padStart(9, '0'));
  });

  it('never hands out the same random bits twice, across refills of its random pool', () => {
    // 2,000 ids draw 20,000 bytes: the 4 KiB pool is refilled four times on the way.
    const at = new Date();
    const randomParts = Array.from({ length: 2_000 }, () => createId('req', at).slice(-20));
    expect(new Set(randomParts).size).toBe(randomParts.length);
    // Every 10-byte slice differs from its neighbours in most bytes, as independent draws do.
    const bytes = randomParts.map((hex) => Buffer.from(hex, 'hex'));
    const sameBytes = bytes.slice(1).reduce((count, current, index) => count + current.filter((byte, at) => byte === bytes[index]?.[at]).length, 0);
    expect(sameBytes).toBeLessThan(200);
  });
});

describe('toolIdempotencyKey', () => {
  it('is the same derivation in every version: journals written by an older Keel replay to the same keys', () => {
    // Pinned values: a tool that deduplicates on this key must see the same key after an upgrade.
    expect(toolIdempotencyKey('run_0mx4gom74c2332673bb30368cda99', 3, 'call_1')).toBe('keel_0dd62f037538c1e6d1317a6811a54cc7a2aef43c');
    expect(toolIdempotencyKey('run_0mx4gom74c2332673bb30368cda99', 4, 'call_1')).not.toBe(toolIdempotencyKey('run_0mx4gom74c2332673bb30368cda99', 3, 'call_1'));
  });
});
