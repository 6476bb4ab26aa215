import type { AuditStore } from '../store/audit-store.ts';
import type { ApprovalPolicy, OversightStore } from '../store/oversight-store.ts';
import type { AuditActor } from '../vault/audit-chain.ts';
import { recordAudit } from '../vault/audit-log.ts';

/**
 * Replaces a tenant's approval policy (the tools whose every call waits for a reviewer) and
 * records the change, with the policy it replaced, in the audit log (`policy.update`): a policy
 * is what stands between an agent and a refund, so who loosened it, and when, must be on record.
 * The one way the policy is set, from `PUT /v1/policies/approvals` and from code alike.
 *
 * @example
 * await setApprovalPolicy(store, { tenantId: 'acme', policy: { requireApproval: ['issue_refund'] }, actor: { kind: 'key', id: 'key_…' } });
 */
export async function setApprovalPolicy(
  store: Pick<OversightStore, 'getApprovalPolicy' | 'setApprovalPolicy'> & Pick<AuditStore, 'appendAudit'>,
  input: { tenantId: string; policy: ApprovalPolicy; actor: AuditActor; now?: Date },
): Promise<ApprovalPolicy> {
  const now = input.now ?? new Date();
  const before = await store.getApprovalPolicy(input.tenantId);
  const after = await store.setApprovalPolicy(input.tenantId, { requireApproval: [...new Set(input.policy.requireApproval)] }, now);
  await recordAudit(store, {
    tenantId: input.tenantId,
    actor: input.actor,
    action: 'policy.update',
    subject: 'policy:approvals',
    details: { requireApproval: after.requireApproval, previousRequireApproval: before.requireApproval },
    now: () => now,
  });
  return after;
}
