import type { RunStatus } from '../../journal/events.ts';
import type { RunRecord } from '../../store/store.ts';
import { exitCodes, type Command } from '../command.ts';
import { cliTenantId, openCliStore } from '../cli-environment.ts';
import { parseChoice, parseCommandLine, parsePositiveInteger, requirePositionals, showHelp } from '../parse-arguments.ts';
import { truncate } from '../print-events.ts';
import { createStyle, shouldColor, type Style } from '../style.ts';

const name = 'keel runs ls';
const statuses: readonly RunStatus[] = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'];

export const runsListCommand: Command = {
  name: 'ls',
  summary: 'list runs, newest first',
  help: `Usage: keel runs ls [options]

Lists runs, newest first.

Options:
  --status S    only runs with status S (${statuses.join(', ')})
  --agent A     only runs of agent A
  --limit N     at most N runs (default 20)
  --cursor C    the next page, from a previous listing
  --json        print { runs: RunRecord[], nextCursor? } as JSON
  -h, --help    show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, {
      status: { type: 'string' },
      agent: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    const status = parseChoice(name, '--status', values.status, statuses);
    const limit = parsePositiveInteger(name, '--limit', values.limit) ?? 20;
    const store = await openCliStore(io);
    try {
      const page = await store.listRuns({
        tenantId: cliTenantId,
        limit,
        ...(status === undefined ? {} : { status }),
        ...(values.agent === undefined ? {} : { agent: values.agent }),
        ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
      });
      if (values.json === true) {
        io.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
        return exitCodes.ok;
      }
      const style = createStyle(shouldColor(io.stdout, io.env));
      if (page.runs.length === 0) io.stdout.write('no runs\n');
      else io.stdout.write(formatRunTable(page.runs, style));
      if (page.nextCursor !== undefined) io.stdout.write(style('dim', `more: keel runs ls --cursor ${page.nextCursor}\n`));
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};

const statusColors = { completed: 'green', failed: 'red', cancelled: 'yellow', waiting: 'yellow', running: 'cyan', queued: 'dim' } as const;

export function formatRunTable(runs: readonly RunRecord[], style: Style): string {
  const rows = runs.map((run) => [
    run.id,
    run.status === 'waiting' && run.waitingReason !== null ? `waiting:${run.waitingReason}` : run.status,
    run.agent,
    run.userId,
    run.createdAt.replace('T', ' ').slice(0, 19),
    truncate(run.input, 48),
  ]);
  const header = ['ID', 'STATUS', 'AGENT', 'USER', 'CREATED (UTC)', 'INPUT'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[], colour?: (cell: string, column: number) => string) =>
    `${cells
      .map((cell, column) => colour?.(cell.padEnd(widths[column] ?? 0), column) ?? cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  return (
    style('bold', line(header).trimEnd()) +
    '\n' +
    rows.map((row, index) => line(row, (cell, column) => (column === 1 ? style(statusColors[runs[index]?.status ?? 'queued'], cell) : cell))).join('')
  );
}
