import type { Runtime } from '../engine/runtime-types.ts';
import { KeelError } from '../errors/index.ts';
import type { ApprovalRecord } from '../store/oversight-store.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { OversightNotice } from './oversight-notices.ts';

/** The system's identity when it decides an approval nobody decided in time. */
export const timeoutActor = { kind: 'system' as const, name: 'approval-timeout' };

export interface SweepApprovalsInput {
  runtime: Runtime;
  now: Date;
  /** Told of each approval that moved up its escalation chain (the level's webhook gets it). */
  notify: (notice: OversightNotice, webhookUrl: string | undefined) => Promise<void>;
  logger: Logger;
  /** Approvals handled per kind and sweep. Default 100. */
  limit?: number;
}

/**
 * One sweep of the approval timers, safe on every node at once — every step is a guarded write
 * in the store, so each fires exactly once whichever node gets there first, also after a restart:
 *
 * - an approval still pending at its `expiresAt` is rejected by the system (the model is told it
 *   timed out, as for any rejection);
 * - an approval pending at its `nextLevelAt` moves one level up its agent's `approvals.chain`:
 *   the level's group now holds it (the inbox shows it) and the level's webhook (or the config's
 *   oversight webhook) is told, once.
 *
 * @example
 * setInterval(() => void sweepApprovals({ runtime, now: new Date(), notify, logger }), 1_000);
 */
export async function sweepApprovals(input: SweepApprovalsInput): Promise<{ expired: number; escalated: number }> {
  const { runtime, now } = input;
  const limit = input.limit ?? 100;
  let expired = 0;
  for (const approval of await runtime.store.dueApprovals(now, limit)) {
    try {
      const minutes = Math.round((Date.parse(approval.expiresAt) - Date.parse(approval.createdAt)) / 60_000);
      await runtime.decideApproval(
        approval.id,
        { decision: 'reject', reason: `Nobody decided within ${minutes} minutes: rejected by default` },
        { tenantId: approval.tenantId, actor: timeoutActor },
      );
      expired += 1;
    } catch (error) {
      // Decided meanwhile, by a person or another node's sweep: nothing to do.
      if (!isSettled(error)) input.logger.warn({ err: error, approvalId: approval.id }, 'could not time out an approval');
    }
  }
  let escalated = 0;
  for (const approval of await runtime.store.dueApprovalLevels(now, limit)) {
    const chain = runtime.config.agents.get(approval.agent)?.approvals.chain ?? [];
    const level = chain[approval.level];
    if (level === undefined) continue;
    const following = chain[approval.level + 1];
    const won = await runtime.store.advanceApprovalLevel({
      tenantId: approval.tenantId,
      approvalId: approval.id,
      fromLevel: approval.level,
      group: level.group,
      nextLevelAt: following === undefined ? null : new Date(Date.parse(approval.createdAt) + following.afterMs),
      now,
    });
    if (!won) continue;
    escalated += 1;
    await input.notify(levelNotice(approval, approval.level + 1, level.group, now), level.webhookUrl);
  }
  return { expired, escalated };
}

function levelNotice(approval: ApprovalRecord, level: number, group: string, now: Date): OversightNotice {
  return {
    kind: 'approval-escalated',
    key: `approval-escalated:${approval.id}:${level}`,
    tenantId: approval.tenantId,
    at: now.toISOString(),
    message: `Approval of ${approval.toolName} for run ${approval.runId} has waited since ${approval.createdAt}: now with ${group}`,
    approvalId: approval.id,
    runId: approval.runId,
    agent: approval.agent,
    toolName: approval.toolName,
    level,
    group,
  };
}

function isSettled(error: unknown): boolean {
  return KeelError.isInstance(error) && ['APPROVAL_ALREADY_DECIDED', 'APPROVAL_NOT_FOUND', 'RUN_NOT_WAITING'].includes(error.code);
}
