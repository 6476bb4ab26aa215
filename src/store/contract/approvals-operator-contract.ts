import { describe, expect, it } from 'vitest';
import type { ApprovalQuery } from '../oversight-store.ts';
import { appendAs, at, claim, type CurrentStore, newRun, uniqueId } from './fixtures.ts';

/** The operator's reads of the approval inbox across tenants (`keel approvals … --all-tenants`), and that tenant reads stay scoped. */
export function describeApprovalsOperatorContract(current: CurrentStore): void {
  /** A run of `tenantId` with one pending approval, created `offsetMs` after the epoch; returns the approval's id. */
  async function pendingApproval(tenantId: string, offsetMs: number, agent = 'support'): Promise<string> {
    const store = current();
    const now = at(offsetMs);
    const { run } = await store.createRun(newRun({ tenantId, agent, now }));
    const lease = await claim(store, run.id, 'worker-1', now);
    const id = uniqueId('apr');
    const request = { id, step: 1, callId: 'call_1', toolName: 'issue_refund', input: { amountUsd: 80 }, reason: 'over $50', source: 'tool' as const };
    await appendAs(
      store,
      lease,
      [
        {
          type: 'approval-request',
          approvalId: id,
          step: 1,
          callId: 'call_1',
          toolName: 'issue_refund',
          input: { amountUsd: 80 },
          reason: 'over $50',
          source: 'tool',
        },
      ],
      { approvalRequests: [{ ...request, expiresAt: at(offsetMs + 86_400_000), nextLevelAt: null }] },
      now,
    );
    await store.releaseLease(run.id, lease.epoch);
    return id;
  }

  describe('approvals across tenants (operator)', () => {
    it("lists every tenant's approvals newest first, in pages, with the same filters as one tenant's", async () => {
      const store = current();
      const created = [
        await pendingApproval('tenant-a', 1),
        await pendingApproval('tenant-b', 2),
        await pendingApproval('tenant-a', 3, 'billing'),
        await pendingApproval('tenant-c', 4),
      ];
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listApprovalsOfAllTenants({ limit: 3, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...page.approvals.map((approval) => approval.id));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      expect(seen).toEqual([...created].reverse());

      const ids = async (query: ApprovalQuery) => (await store.listApprovalsOfAllTenants(query)).approvals.map((approval) => approval.id);
      expect(await ids({ agent: 'billing' })).toEqual([created[2]]);
      expect(await ids({ status: 'decided' })).toEqual([]);
      expect((await store.listApprovalsOfAllTenants({})).approvals.map((approval) => approval.tenantId)).toEqual([
        'tenant-c',
        'tenant-a',
        'tenant-b',
        'tenant-a',
      ]);
      // One tenant's listing stays one tenant's.
      expect((await store.listApprovals('tenant-a', {})).approvals.map((approval) => approval.id)).toEqual([created[2], created[0]]);
    });

    it('finds the tenant of an approval by its id alone', async () => {
      const store = current();
      const id = await pendingApproval('tenant-b', 1);
      expect(await store.findApprovalTenant(id)).toBe('tenant-b');
      expect(await store.findApprovalTenant('apr-unknown')).toBeUndefined();
      expect(await store.getApproval('tenant-a', id)).toBeUndefined();
    });
  });
}
