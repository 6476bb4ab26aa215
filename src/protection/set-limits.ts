import type { AuditStore } from '../store/audit-store.ts';
import type { LimitsStore, TenantLimits } from '../store/limits-store.ts';
import type { AuditActor } from '../vault/audit-chain.ts';
import { recordAudit } from '../vault/audit-log.ts';

/**
 * Changes a tenant's own limits (see `LimitsStore.setTenantLimits`: `undefined` keeps a field,
 * `null` falls back to the default) and records the change in the audit log (`limits.update`).
 * Returns the limits now in force. Every node reads them within its limits cache (5 s).
 *
 * @example
 * await setLimits(store, { tenantId: 'acme', limits: { maxConcurrentRuns: 20 }, actor: { kind: 'key', id: 'key_…' } });
 */
export async function setLimits(
  store: Pick<LimitsStore, 'setTenantLimits' | 'getTenantLimits'> & Pick<AuditStore, 'appendAudit'>,
  input: { tenantId: string; limits: Partial<TenantLimits>; actor: AuditActor },
): Promise<TenantLimits> {
  const before = await store.getTenantLimits(input.tenantId);
  await store.setTenantLimits(input.tenantId, input.limits);
  const after = await store.getTenantLimits(input.tenantId);
  await recordAudit(store, {
    tenantId: input.tenantId,
    actor: input.actor,
    action: 'limits.update',
    subject: `limits:${input.tenantId}`,
    details: { change: JSON.parse(JSON.stringify(input.limits)) as Record<string, unknown>, before: { ...before }, after: { ...after } },
  });
  return after;
}
