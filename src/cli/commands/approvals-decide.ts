import type { ApprovalDecisionInput } from '../../engine/oversight-decisions.ts';
import { cliActor } from '../cli-actor.ts';
import { openCliRuntime } from '../cli-environment.ts';
import { exitCodes, UsageError, type Command } from '../command.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { approvalTenant, parseTenantScope, tenantScopeHelp, tenantScopeOptions } from '../tenant-scope.ts';
import { terminalSafe } from '../terminal-text.ts';

type Decision = ApprovalDecisionInput['decision'];

const past: Record<Decision, string> = { approve: 'approved', reject: 'rejected', edit: 'edited' };

const common = `  --reviewer NAME who decides (journaled; default: the operating-system user)
${tenantScopeHelp('find the approval by its id in whichever tenant holds it')}  --config PATH   config file or directory (default: keel.config.* in the working directory)
  -h, --help      show this help
`;

const helps: Record<Decision, { usage: string; summary: string; text: string; options: string }> = {
  approve: {
    usage: 'keel approvals approve ID [options]',
    summary: 'let a call run as proposed',
    text: 'Approves the call: it runs once with the arguments the model proposed.',
    options: '  --reason R      why (journaled)\n',
  },
  reject: {
    usage: 'keel approvals reject ID --reason R [options]',
    summary: 'refuse a call: the model is told why',
    text: 'Rejects the call: it never runs, and the model gets the reason as its result.',
    options: '  --reason R      why: the model is told it (required)\n',
  },
  edit: {
    usage: 'keel approvals edit ID --args JSON [options]',
    summary: 'let a call run with other arguments',
    text: "Approves the call with other arguments, checked against the tool's input schema.",
    options: '  --args JSON     the arguments to run the call with (required)\n  --reason R      why (journaled)\n',
  },
};

/**
 * `keel approvals approve|reject|edit`: one decision, journaled with the CLI as the actor (the
 * `--reviewer` name, else the OS user). Accepted once: an approval already decided (by a
 * reviewer, another terminal or its timeout) answers APPROVAL_ALREADY_DECIDED. The run is then
 * queued, and any worker resumes it.
 */
function decideCommand(decision: Decision): Command {
  const name = `keel approvals ${decision}`;
  const help = helps[decision];
  return {
    name: decision,
    summary: help.summary,
    help: `Usage: ${help.usage}

${help.text} Accepted once: an approval already decided answers
APPROVAL_ALREADY_DECIDED. When every gated call of its step is decided the run is queued and
any worker (keel worker, keel dev, keel start) resumes it.

Options:
${help.options}${common}`,
    async run(argv, io) {
      const { values, positionals } = parseCommandLine(name, argv, {
        reason: { type: 'string' },
        args: { type: 'string' },
        reviewer: { type: 'string' },
        ...tenantScopeOptions,
        config: { type: 'string' },
      });
      if (values.help === true) return showHelp(io, this.help);
      const [approvalId = ''] = requirePositionals(name, positionals, ['ID']);
      const input = decisionInput(name, decision, values);
      const actor = cliActor(name, io, values.reviewer);
      const scope = parseTenantScope(name, values);
      const cli = await openCliRuntime(io, values.config === undefined ? {} : { configPath: values.config });
      try {
        const tenantId = await approvalTenant(cli.runtime.store, scope, approvalId);
        const approval = await cli.runtime.decideApproval(approvalId, input, { tenantId, actor });
        const run = await cli.runtime.getRun(approval.runId, { tenantId });
        const next = run.status === 'queued' ? 'the run is queued: a worker resumes it' : 'the run still waits for other calls of its step to be decided';
        io.stdout.write(`${terminalSafe(approval.id)} ${past[decision]} by ${terminalSafe(actor.name ?? 'cli')}; ${next}\n`);
      } finally {
        await cli.close();
      }
      return exitCodes.ok;
    },
  };
}

function decisionInput(name: string, decision: Decision, values: { reason?: string; args?: string }): ApprovalDecisionInput {
  if (values.reason !== undefined && values.reason.trim() === '') throw new UsageError(name, '--reason needs a reason');
  const reason = values.reason === undefined ? {} : { reason: values.reason };
  if (decision === 'reject' && values.reason === undefined) throw new UsageError(name, '--reason R is required: the model is told why');
  if (decision !== 'edit') {
    if (values.args !== undefined) throw new UsageError(name, '--args goes with "keel approvals edit" only');
    return { decision, ...reason };
  }
  if (values.args === undefined) throw new UsageError(name, '--args JSON is required: the arguments to run the call with');
  try {
    return { decision, args: JSON.parse(values.args) as unknown, ...reason };
  } catch {
    throw new UsageError(name, `--args takes the arguments as JSON, e.g. --args '{"orderId":"1001","amountUsd":40}'`);
  }
}

export const approvalsApproveCommand = decideCommand('approve');
export const approvalsRejectCommand = decideCommand('reject');
export const approvalsEditCommand = decideCommand('edit');
