import { hash } from 'node:crypto';
import type { JournalEvent } from '../journal/events.ts';
import type { AgentDefinition } from '../sdk/define-agent.ts';
import type { ApprovalContext, ToolDefinition } from '../sdk/define-tool.ts';
import type { ApprovalPolicy, NewApproval } from '../store/oversight-store.ts';

/** Why a call needs a person's approval before it runs. */
export interface ApprovalNeed {
  source: 'tool' | 'guardrail' | 'policy';
  reason: string;
}

/**
 * Whether a call needs approval by the tool's own rule (`approval: 'always'` or a predicate of
 * its input) or by the tenant's policy (the tool, or `*`, in `requireApproval`).
 */
export async function approvalNeed(tool: ToolDefinition, input: unknown, context: ApprovalContext, policy: ApprovalPolicy): Promise<ApprovalNeed | undefined> {
  if (tool.approval === 'always') return { source: 'tool', reason: `${tool.name} always needs approval` };
  if (typeof tool.approval === 'function' && (await tool.approval(input, context)))
    return { source: 'tool', reason: `${tool.name} needs approval for this input` };
  if (policy.requireApproval.includes('*') || policy.requireApproval.includes(tool.name)) {
    return { source: 'policy', reason: `The tenant's policy requires approval for ${tool.name}` };
  }
  return undefined;
}

/**
 * The approval id of a call: derived from run, step and call, so a request journaled twice (a
 * crash between deciding and committing) is the same request, and the inbox row is one row.
 */
export function approvalIdFor(runId: string, step: number, callId: string): string {
  return `apr_${hash('sha256', `${runId}\u0000${step}\u0000${callId}`).slice(0, 28)}`;
}

/** The `approval-request` event of a gated call and the inbox row committed with it. */
export function approvalRequest(input: {
  runId: string;
  agent: AgentDefinition;
  tool: ToolDefinition;
  step: number;
  callId: string;
  callInput: unknown;
  need: ApprovalNeed;
  now: Date;
}): { event: JournalEvent; row: NewApproval } {
  const id = approvalIdFor(input.runId, input.step, input.callId);
  const timeoutMs = input.tool.approvalTimeoutMs ?? input.agent.approvals.timeoutMs;
  const first = input.agent.approvals.chain[0];
  return {
    event: {
      type: 'approval-request',
      approvalId: id,
      step: input.step,
      callId: input.callId,
      toolName: input.tool.name,
      input: input.callInput,
      reason: input.need.reason,
      source: input.need.source,
    },
    row: {
      id,
      step: input.step,
      callId: input.callId,
      toolName: input.tool.name,
      input: input.callInput,
      reason: input.need.reason,
      source: input.need.source,
      expiresAt: new Date(input.now.getTime() + timeoutMs),
      nextLevelAt: first === undefined ? null : new Date(input.now.getTime() + first.afterMs),
    },
  };
}
