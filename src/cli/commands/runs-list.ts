import type { RunStatus } from '../../journal/events.ts';
import { KeelError } from '../../errors/index.ts';
import { decodeRunCursor } from '../../store/list-runs-paging.ts';
import type { RunRecord } from '../../store/store.ts';
import { exitCodes, UsageError, type Command } from '../command.ts';
import { cliTenantId, openCliStore } from '../cli-environment.ts';
import { parseChoice, parseCommandLine, parsePositiveInteger, requirePositionals, showHelp } from '../parse-arguments.ts';
import { truncate } from '../print-events.ts';
import { shellWord } from '../shell-word.ts';
import { createStyle, shouldColor, type Style } from '../style.ts';
import { parseTenantScope, tenantScopeHelp, tenantScopeOptions, type TenantScope } from '../tenant-scope.ts';
import { terminalSafe } from '../terminal-text.ts';

const name = 'keel runs ls';
const statuses: readonly RunStatus[] = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'];

export const runsListCommand: Command = {
  name: 'ls',
  summary: 'list runs, newest first',
  help: `Usage: keel runs ls [options]

Lists runs, newest first.

Options:
  --status S      only runs with status S (${statuses.join(', ')})
  --agent A       only runs of agent A
  --limit N       at most N runs (default 20)
  --cursor C      the next page, from a previous listing
${tenantScopeHelp("list every tenant's runs, with a TENANT column")}  --json          print { runs: RunRecord[], nextCursor? } as JSON
  -h, --help      show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, {
      status: { type: 'string' },
      agent: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      ...tenantScopeOptions,
      json: { type: 'boolean' },
    });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    const status = parseChoice(name, '--status', values.status, statuses);
    const limit = parsePositiveInteger(name, '--limit', values.limit) ?? 20;
    const scope = parseTenantScope(name, values);
    if (values.cursor !== undefined) checkCursor(values.cursor);
    const filters = {
      limit,
      ...(status === undefined ? {} : { status }),
      ...(values.agent === undefined ? {} : { agent: values.agent }),
    };
    const store = await openCliStore(io);
    try {
      const page = await store.listRuns({ ...scope, ...filters, ...(values.cursor === undefined ? {} : { cursor: values.cursor }) });
      if (values.json === true) {
        io.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
        return exitCodes.ok;
      }
      const style = createStyle(shouldColor(io.stdout, io.env));
      if (page.runs.length === 0) io.stdout.write('no runs\n');
      else io.stdout.write(formatRunTable(page.runs, style, { tenantColumn: 'allTenants' in scope }));
      if (page.nextCursor !== undefined)
        io.stdout.write(style('dim', `more: ${nextPageCommand(scope, filters, values.limit !== undefined, page.nextCursor)}\n`));
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};

function checkCursor(cursor: string): void {
  try {
    decodeRunCursor(cursor);
  } catch (error) {
    if (KeelError.isInstance(error)) throw new UsageError(name, `--cursor takes the cursor a previous "keel runs ls" printed, got "${cursor}"`);
    throw error;
  }
}

/** The command that lists the next page: the same filters and scope, and the new cursor. */
function nextPageCommand(scope: TenantScope, filters: { limit: number; status?: string; agent?: string }, limitGiven: boolean, cursor: string): string {
  const words = [name];
  if ('allTenants' in scope) words.push('--all-tenants');
  else if (scope.tenantId !== cliTenantId) words.push('--tenant', shellWord(scope.tenantId));
  if (filters.status !== undefined) words.push('--status', filters.status);
  if (filters.agent !== undefined) words.push('--agent', shellWord(filters.agent));
  if (limitGiven) words.push('--limit', String(filters.limit));
  words.push('--cursor', cursor);
  return terminalSafe(words.join(' '));
}

const statusColors = { completed: 'green', failed: 'red', cancelled: 'yellow', waiting: 'yellow', running: 'cyan', queued: 'dim' } as const;

/**
 * Runs as a table, one line each. Every cell is made terminal-safe and kept on its line: ids,
 * names and inputs come from API callers.
 */
export function formatRunTable(runs: readonly RunRecord[], style: Style, options: { tenantColumn?: boolean } = {}): string {
  const tenantColumn = options.tenantColumn === true;
  const rows = runs.map((run) =>
    [
      run.id,
      ...(tenantColumn ? [run.tenantId] : []),
      run.status === 'waiting' && run.waitingReason !== null ? `waiting:${run.waitingReason}` : run.status,
      run.agent,
      run.userId,
      run.createdAt.replace('T', ' ').slice(0, 19),
      truncate(run.input, 48),
    ].map((cell) => terminalSafe(cell)),
  );
  const header = ['ID', ...(tenantColumn ? ['TENANT'] : []), 'STATUS', 'AGENT', 'USER', 'CREATED (UTC)', 'INPUT'];
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
      .map((row, index) => line(row, (cell, column) => (column === statusColumn ? style(statusColors[runs[index]?.status ?? 'queued'], cell) : cell)))
      .join('')
  );
}
