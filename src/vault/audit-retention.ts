import { KeelError } from '../errors/index.ts';
import type { AuditStore } from '../store/audit-store.ts';
import { pruneAuditLog, systemActor } from './audit-log.ts';

/** The environment variable that sets how long audit entries are kept. */
export const auditRetentionVariable = 'KEEL_AUDIT_RETENTION_DAYS';

const dayMs = 24 * 60 * 60 * 1000;

/**
 * How many days of audit entries to keep (`KEEL_AUDIT_RETENTION_DAYS`, a whole number of days
 * from 1), or `undefined` to keep them all, which is the default: deleting an audit trail is a
 * decision, never a default.
 *
 * @example
 * auditRetentionDaysFrom({ KEEL_AUDIT_RETENTION_DAYS: '365' }); // 365
 */
export function auditRetentionDaysFrom(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env[auditRetentionVariable]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const days = /^[0-9]{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(days >= 1)) {
    throw new KeelError({
      code: 'CONFIG_INVALID',
      message: `${auditRetentionVariable} must be a whole number of days, 1 or more (got "${raw}")`,
      details: { variable: auditRetentionVariable },
    });
  }
  return days;
}

/**
 * A sweep that applies the retention: deletes the entries older than `days` and keeps the last
 * one's hash as the checkpoint verification starts from (`pruneAuditLog`, which audits the
 * prune). Every node may run it: a prefix already deleted is not deleted twice, and a prune that
 * deletes nothing records nothing. Returns how many entries it deleted.
 *
 * @example
 * startPeriodicSweeps({ logger, intervalMs: 3_600_000, sweeps: [auditRetentionSweep(store, 365)] });
 */
export function auditRetentionSweep(
  store: Pick<AuditStore, 'readAudit' | 'auditHead' | 'pruneAudit' | 'appendAudit'>,
  days: number,
): { name: string; run(now: Date): Promise<number> } {
  return {
    name: 'audit-retention',
    async run(now) {
      const { pruned } = await pruneAuditLog(store, { before: new Date(now.getTime() - days * dayMs), actor: systemActor, now: () => now });
      return pruned;
    },
  };
}
