import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { recordAudit, verifyAuditLog } from './audit-log.ts';
import { auditRetentionDaysFrom, auditRetentionSweep } from './audit-retention.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const day = 24 * 60 * 60 * 1000;
const start = Date.parse('2026-01-01T00:00:00.000Z');

describe('auditRetentionDaysFrom', () => {
  it('keeps everything unless KEEL_AUDIT_RETENTION_DAYS says how many days', () => {
    expect(auditRetentionDaysFrom({})).toBeUndefined();
    expect(auditRetentionDaysFrom({ KEEL_AUDIT_RETENTION_DAYS: ' ' })).toBeUndefined();
    expect(auditRetentionDaysFrom({ KEEL_AUDIT_RETENTION_DAYS: '365' })).toBe(365);
  });

  it.each(['0', '-1', '1.5', '1e3', '0x10', 'forever', '9999999'])('refuses %j with CONFIG_INVALID', (value) => {
    expect(() => auditRetentionDaysFrom({ KEEL_AUDIT_RETENTION_DAYS: value })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('auditRetentionSweep', () => {
  it('prunes the entries older than the retention, keeps the chain verifiable, and audits the prune once', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-audit-retention-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const store = createSqliteStore({ path: join(directory, 'keel.db') });
    await store.migrate();
    cleanups.push(() => store.close());
    // One entry a day for ten days.
    for (let index = 0; index < 10; index += 1) {
      await recordAudit(store, {
        tenantId: 'acme',
        actor: { kind: 'key', id: 'key_1' },
        action: 'budget.set',
        subject: `budget:user/u${index}`,
        now: () => new Date(start + index * day),
      });
    }
    const sweep = auditRetentionSweep(store, 3);
    const now = new Date(start + 9 * day);
    // Older than 3 days at day 9: the entries of days 0 to 5.
    expect(await sweep.run(now)).toBe(6);
    expect(await sweep.run(now)).toBe(0);

    const left = await store.readAudit({ limit: 100 });
    expect(left.map((entry) => entry.subject)).toEqual(['budget:user/u6', 'budget:user/u7', 'budget:user/u8', 'budget:user/u9', 'audit']);
    expect(left.at(-1)).toMatchObject({ action: 'audit.prune', actor: { kind: 'system', id: 'keel' }, details: expect.objectContaining({ pruned: 6 }) });
    expect(await verifyAuditLog(store)).toMatchObject({ ok: true, checkpointSeq: 6 });
  });
});
