import { KeelError } from '../../errors/index.ts';
import type { RunRecord } from '../../store/store.ts';
import { exitCodes, type Command } from '../command.ts';
import { cliTenantId, openCliStore } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { createEventPrinter, formatTokens } from '../print-events.ts';
import { createStyle, shouldColor, type Style } from '../style.ts';

const name = 'keel runs show';

export const runsShowCommand: Command = {
  name: 'show',
  summary: 'show a run and its journal',
  help: `Usage: keel runs show ID [options]

Shows a run's status, waiting reason, output, error and usage, then its journal.

Options:
  --json        print the RunRecord as JSON (the object GET /v1/runs/:id returns)
  -h, --help    show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, { json: { type: 'boolean' } });
    if (values.help === true) return showHelp(io, this.help);
    const [runId = ''] = requirePositionals(name, positionals, ['ID']);
    const store = await openCliStore(io);
    try {
      const run = await store.getRun(cliTenantId, runId);
      if (run === undefined) throw new KeelError({ code: 'RUN_NOT_FOUND', message: `No run with id "${runId}"` });
      if (values.json === true) {
        io.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
        return exitCodes.ok;
      }
      const style = createStyle(shouldColor(io.stdout, io.env));
      io.stdout.write(formatRunSummary(run, style));
      io.stdout.write(`\n${style('bold', 'journal')}\n`);
      const printer = createEventPrinter({ write: (text) => io.stdout.write(text), style, runId: run.id });
      for (const entry of await store.readJournal(run.id)) printer.print(entry);
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};

export function formatRunSummary(run: RunRecord, style: Style): string {
  const fields: Array<[string, string | null]> = [
    ['run', run.id],
    ['status', run.status === 'waiting' ? `waiting (${run.waitingReason ?? 'unknown'})` : run.status],
    ['agent', run.agent],
    ['session', run.sessionId],
    ['user', run.userId],
    ['created', run.createdAt],
    ['started', run.startedAt],
    ['ended', run.endedAt],
    ['input', run.input],
    ['output', run.output === null || run.output === undefined ? null : typeof run.output === 'string' ? run.output : JSON.stringify(run.output)],
    ['error', run.error === null ? null : `${run.error.code}: ${run.error.message}`],
    ['usage', formatTokens(run.usage)],
    ['cancel', run.cancelRequested && run.status !== 'cancelled' ? 'requested' : null],
  ];
  return fields
    .filter((field): field is [string, string] => field[1] !== null)
    .map(([label, value]) => `${style('dim', label.padEnd(8))} ${value}\n`)
    .join('');
}
