import { KeelError } from '../../errors/index.ts';
import type { ApprovalQuery, ApprovalRecord } from '../../store/oversight-store.ts';
import { decodeKeysetCursor } from '../../store/oversight-rules.ts';
import { exitCodes, UsageError, type Command } from '../command.ts';
import { cliTenantId, openCliStore } from '../cli-environment.ts';
import { parseChoice, parseCommandLine, parsePositiveInteger, requirePositionals, showHelp } from '../parse-arguments.ts';
import { truncate } from '../print-events.ts';
import { shellWord } from '../shell-word.ts';
import { createStyle, shouldColor, type Style } from '../style.ts';
import { parseTenantScope, tenantScopeHelp, tenantScopeOptions, type TenantScope } from '../tenant-scope.ts';
import { terminalSafe } from '../terminal-text.ts';

const name = 'keel approvals ls';
const statuses = ['pending', 'decided', 'all'] as const;

export const approvalsListCommand: Command = {
  name: 'ls',
  summary: 'list the approval inbox, newest first',
  help: `Usage: keel approvals ls [options]

Lists tool calls waiting for approval (or decided ones), newest first.

Options:
  --status S      pending (default), decided or all
  --agent A       only approvals of agent A's runs
  --user U        only approvals of end user U's runs
  --run R         only approvals of run R
  --limit N       at most N approvals (default 20)
  --cursor C      the next page, from a previous listing
${tenantScopeHelp("list every tenant's approvals, with a TENANT column")}  --json          print { approvals: Approval[], nextCursor? } as JSON (the objects GET /v1/approvals/:id returns)
  -h, --help      show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, {
      status: { type: 'string' },
      agent: { type: 'string' },
      user: { type: 'string' },
      run: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      ...tenantScopeOptions,
      json: { type: 'boolean' },
    });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    const status = parseChoice(name, '--status', values.status, statuses) ?? 'pending';
    const limit = parsePositiveInteger(name, '--limit', values.limit) ?? 20;
    const scope = parseTenantScope(name, values);
    if (values.cursor !== undefined) checkCursor(values.cursor);
    const filters: ApprovalQuery = {
      limit,
      ...(status === 'all' ? {} : { status }),
      ...(values.agent === undefined ? {} : { agent: values.agent }),
      ...(values.user === undefined ? {} : { userId: values.user }),
      ...(values.run === undefined ? {} : { runId: values.run }),
    };
    const store = await openCliStore(io);
    try {
      const query = { ...filters, ...(values.cursor === undefined ? {} : { cursor: values.cursor }) };
      const page = 'allTenants' in scope ? await store.listApprovalsOfAllTenants(query) : await store.listApprovals(scope.tenantId, query);
      if (values.json === true) {
        io.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
        return exitCodes.ok;
      }
      const style = createStyle(shouldColor(io.stdout, io.env));
      if (page.approvals.length === 0) io.stdout.write(status === 'pending' ? 'no pending approvals\n' : 'no approvals\n');
      else io.stdout.write(formatApprovalTable(page.approvals, style, { tenantColumn: 'allTenants' in scope }));
      if (page.nextCursor !== undefined) {
        io.stdout.write(style('dim', `more: ${nextPageCommand(scope, values, page.nextCursor)}\n`));
      }
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};

function checkCursor(cursor: string): void {
  try {
    decodeKeysetCursor(cursor);
  } catch (error) {
    if (KeelError.isInstance(error)) throw new UsageError(name, `--cursor takes the cursor a previous "keel approvals ls" printed, got "${cursor}"`);
    throw error;
  }
}

/** The command that lists the next page: the same filters and scope, and the new cursor. */
function nextPageCommand(scope: TenantScope, values: Record<string, string | boolean | undefined>, cursor: string): string {
  const words = [name];
  if ('allTenants' in scope) words.push('--all-tenants');
  else if (scope.tenantId !== cliTenantId) words.push('--tenant', shellWord(scope.tenantId));
  for (const option of ['status', 'agent', 'user', 'run', 'limit'] as const) {
    const value = values[option];
    if (typeof value === 'string') words.push(`--${option}`, shellWord(value));
  }
  words.push('--cursor', cursor);
  return terminalSafe(words.join(' '));
}

const statusColors = { pending: 'yellow', approved: 'green', edited: 'cyan', rejected: 'red' } as const;

/**
 * Approvals as a table, one line each. Every cell is made terminal-safe and kept on its line:
 * tool names, arguments, user ids and reasons come from models and API callers.
 */
export function formatApprovalTable(approvals: readonly ApprovalRecord[], style: Style, options: { tenantColumn?: boolean } = {}): string {
  const tenantColumn = options.tenantColumn === true;
  const rows = approvals.map((approval) =>
    [
      approval.id,
      ...(tenantColumn ? [approval.tenantId] : []),
      approval.status,
      approval.toolName,
      approval.agent,
      approval.userId,
      approval.createdAt.replace('T', ' ').slice(0, 19),
      approval.group ?? '',
      truncate(JSON.stringify(approval.input) ?? 'null', 48),
    ].map((cell) => terminalSafe(cell)),
  );
  const header = ['ID', ...(tenantColumn ? ['TENANT'] : []), 'STATUS', 'TOOL', 'AGENT', 'USER', 'CREATED (UTC)', 'GROUP', 'ARGUMENTS'];
  const statusColumn = header.indexOf('STATUS');
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[], colour?: (cell: string, column: number) => string) =>
    `${cells
      .map((cell, column) => colour?.(cell.padEnd(widths[column] ?? 0), column) ?? cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  return (
    style('bold', line(header).trimEnd()) +
    '\n' +
    rows
      .map((row, index) => line(row, (cell, column) => (column === statusColumn ? style(statusColors[approvals[index]?.status ?? 'pending'], cell) : cell)))
      .join('')
  );
}
