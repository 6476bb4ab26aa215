import { findApproval } from '../../oversight/approval-inbox.ts';
import type { ApprovalRecord } from '../../store/oversight-store.ts';
import { exitCodes, type Command } from '../command.ts';
import { openCliStore } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { createStyle, shouldColor, type Style } from '../style.ts';
import { approvalTenant, parseTenantScope, tenantScopeHelp, tenantScopeOptions } from '../tenant-scope.ts';
import { terminalSafe } from '../terminal-text.ts';

const name = 'keel approvals show';

export const approvalsShowCommand: Command = {
  name: 'show',
  summary: 'show one approval: the call, its arguments, the reason, the decision',
  help: `Usage: keel approvals show ID [options]

Shows an approval: the run, the tool and the arguments the model proposed, why it needs
approval, when it times out and which group holds it; once decided, who decided what, when.

Options:
${tenantScopeHelp('find the approval by its id in whichever tenant holds it')}  --json          print the approval as JSON (the object GET /v1/approvals/:id returns)
  -h, --help      show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, { ...tenantScopeOptions, json: { type: 'boolean' } });
    if (values.help === true) return showHelp(io, this.help);
    const [approvalId = ''] = requirePositionals(name, positionals, ['ID']);
    const scope = parseTenantScope(name, values);
    const store = await openCliStore(io);
    try {
      const approval = await findApproval(store, { tenantId: await approvalTenant(store, scope, approvalId), approvalId });
      if (values.json === true) io.stdout.write(`${JSON.stringify(approval, null, 2)}\n`);
      else io.stdout.write(formatApproval(approval, createStyle(shouldColor(io.stdout, io.env))));
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};

/**
 * An approval's fields, one `label value` line each. Arguments are shown as indented JSON (their
 * newlines kept, every other control character escaped); ids and names stay on their line.
 */
export function formatApproval(approval: ApprovalRecord, style: Style): string {
  const prose = (text: string) => terminalSafe(text, { newlines: 'keep' });
  const json = (value: unknown) => prose(JSON.stringify(value, null, 2) ?? 'null');
  const decider = approval.decidedBy === null ? null : [approval.decidedBy.kind, approval.decidedBy.name, approval.decidedBy.keyId].filter(Boolean).join(' ');
  const fields: Array<[string, string | null]> = [
    ['approval', terminalSafe(approval.id)],
    ['tenant', terminalSafe(approval.tenantId)],
    ['status', terminalSafe(approval.status)],
    ['run', terminalSafe(approval.runId)],
    ['agent', terminalSafe(approval.agent)],
    ['user', terminalSafe(approval.userId)],
    ['session', terminalSafe(approval.sessionId)],
    ['tool', terminalSafe(approval.toolName)],
    ['args', json(approval.input)],
    ['reason', `${prose(approval.reason)} (${terminalSafe(approval.source)})`],
    ['created', approval.createdAt],
    ['expires', approval.status === 'pending' ? approval.expiresAt : null],
    ['group', approval.group === null ? null : `${terminalSafe(approval.group)} (level ${approval.level})`],
    ['decided', approval.decidedAt === null ? null : `${approval.decidedAt}${decider === null ? '' : ` by ${terminalSafe(decider)}`}`],
    ['because', approval.decisionReason === null ? null : prose(approval.decisionReason)],
    ['ran with', approval.status === 'edited' ? json(approval.decidedInput) : null],
  ];
  return fields
    .filter((field): field is [string, string] => field[1] !== null)
    .map(([label, value]) => `${style('dim', label.padEnd(8))} ${value.replaceAll('\n', `\n${' '.repeat(9)}`)}\n`)
    .join('');
}
