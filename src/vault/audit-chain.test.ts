import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeelError } from '../errors/index.ts';
import { auditContentOf, auditEntryHash, auditGenesisHash, nextAuditEntry, type AuditContent } from './audit-chain.ts';

const now = () => new Date('2025-03-01T09:30:00.000Z');
const content: AuditContent = {
  seq: 1,
  time: '2025-03-01T09:30:00.000Z',
  tenant: 'acme',
  actor: { kind: 'key', id: 'key_1', name: 'ops' },
  action: 'key.create',
  subject: 'key:key_2',
  details: { role: 'app', scopes: ['runs'] },
};

function failure(run: () => unknown): KeelError {
  try {
    run();
  } catch (error) {
    if (KeelError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the call to throw');
}

describe('auditEntryHash', () => {
  it('is SHA-256 over the previous hash, a newline and the canonical content, as documented', () => {
    const canonical =
      '{"action":"key.create","actor":{"id":"key_1","kind":"key","name":"ops"},"details":{"role":"app","scopes":["runs"]},' +
      '"seq":1,"subject":"key:key_2","tenant":"acme","time":"2025-03-01T09:30:00.000Z"}';
    const expected = createHash('sha256').update(`${auditGenesisHash}\n${canonical}`).digest('hex');
    expect(auditEntryHash(auditGenesisHash, content)).toBe(expected);
    expect(auditGenesisHash).toBe('0'.repeat(64));
  });

  it('covers every content field and the previous hash, and nothing else a row carries', () => {
    const base = auditEntryHash(auditGenesisHash, content);
    const changed: AuditContent[] = [
      { ...content, seq: 2 },
      { ...content, time: '2025-03-01T09:30:00.001Z' },
      { ...content, tenant: 'acme2' },
      { ...content, actor: { ...content.actor, kind: 'user' } },
      { ...content, actor: { ...content.actor, id: 'key_9' } },
      { ...content, actor: { kind: 'key', id: 'key_1' } },
      { ...content, action: 'key.revoke' },
      { ...content, subject: 'key:key_3' },
      { ...content, details: { role: 'admin', scopes: ['runs'] } },
    ];
    for (const variant of changed) expect(auditEntryHash(auditGenesisHash, variant)).not.toBe(base);
    expect(auditEntryHash('1'.repeat(64), content)).not.toBe(base);
    const row = { ...content, id: 'row_7', createdAt: 'whenever', actor: { ...content.actor, avatar: 'x' } };
    expect(auditEntryHash(auditGenesisHash, row)).toBe(base);
    expect(auditContentOf(row)).toEqual(content);
  });

  it('does not depend on the order keys were written in, as a store may give them back in another', () => {
    const reordered: AuditContent = {
      details: { scopes: ['runs'], role: 'app' },
      subject: 'key:key_2',
      actor: { name: 'ops', id: 'key_1', kind: 'key' },
      action: 'key.create',
      tenant: 'acme',
      time: '2025-03-01T09:30:00.000Z',
      seq: 1,
    };
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(content));
    expect(auditEntryHash(auditGenesisHash, reordered)).toBe(auditEntryHash(auditGenesisHash, content));
  });

  it('refuses a previous hash that is not 64 lowercase hex characters', () => {
    expect(failure(() => auditEntryHash('ABC', content)).code).toBe('INPUT_INVALID');
    expect(failure(() => auditEntryHash('A'.repeat(64), content)).code).toBe('INPUT_INVALID');
  });
});

describe('nextAuditEntry', () => {
  it('starts a chain at seq 1 from the genesis hash and links each entry to the one before', () => {
    const first = nextAuditEntry({
      previous: undefined,
      tenant: 'acme',
      actor: { kind: 'system', id: 'keel' },
      action: 'key.create',
      subject: 'key:key_1',
      now,
    });
    expect(first).toMatchObject({ seq: 1, time: '2025-03-01T09:30:00.000Z', prevHash: auditGenesisHash, details: {} });
    expect(first.hash).toBe(auditEntryHash(auditGenesisHash, first));
    const second = nextAuditEntry({
      previous: first,
      tenant: 'acme',
      actor: { kind: 'reviewer', id: 'rev_1' },
      action: 'approval.decide',
      subject: 'run:run_1',
      details: { decision: 'approve' },
      now,
    });
    expect([second.seq, second.prevHash]).toEqual([2, first.hash]);
    expect(second.hash).toBe(auditEntryHash(first.hash, second));
  });

  it('refuses entries that could not be verified later: bad action, actor, tenant, subject or non-JSON details', () => {
    const valid = {
      previous: undefined,
      tenant: 'acme',
      actor: { kind: 'user' as const, id: 'alice' },
      action: 'credential.use',
      subject: 'credential:shop',
      now,
    };
    const invalid = [
      { ...valid, action: 'Credential Use' },
      { ...valid, action: 'credential' },
      { ...valid, actor: { kind: 'robot' as 'user', id: 'r' } },
      { ...valid, actor: { kind: 'user' as const, id: '' } },
      { ...valid, tenant: '' },
      { ...valid, subject: '' },
      { ...valid, details: { at: new Date() } },
      { ...valid, details: { count: Number.NaN } },
    ];
    for (const options of invalid) expect(failure(() => nextAuditEntry(options)).code).toBe('INPUT_INVALID');
  });
});
