import { KeelError } from '../../errors/index.ts';
import type { RunRecord } from '../../store/store.ts';
import { exitCodes, type Command } from '../command.ts';
import { openCliStore } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { createEventPrinter, formatTokens } from '../print-events.ts';
import { createStyle, shouldColor, type Style } from '../style.ts';
import { parseTenantScope, runTenant, tenantScopeHelp, tenantScopeOptions } from '../tenant-scope.ts';
import { terminalSafe } from '../terminal-text.ts';

const name = 'keel runs show';

export const runsShowCommand: Command = {
  name: 'show',
  summary: 'show a run and its journal',
  help: `Usage: keel runs show ID [options]

Shows a run's status, waiting reason, output, error and usage, then its journal.

Options:
${tenantScopeHelp('find the run by its id in whichever tenant holds it')}  --json          print the RunRecord as JSON (the object GET /v1/runs/:id returns)
  -h, --help      show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, { ...tenantScopeOptions, json: { type: 'boolean' } });
    if (values.help === true) return showHelp(io, this.help);
    const [runId = ''] = requirePositionals(name, positionals, ['ID']);
    const scope = parseTenantScope(name, values);
    const store = await openCliStore(io);
    try {
      const run = await store.getRun(await runTenant(store, scope, runId), runId);
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

/**
 * A run's fields, one `label value` line each. Values are made terminal-safe: input, output and
 * error keep their newlines, ids and names stay on their line.
 */
export function formatRunSummary(run: RunRecord, style: Style): string {
  const prose = (text: string) => terminalSafe(text, { newlines: 'keep' });
  const fields: Array<[string, string | null]> = [
    ['run', terminalSafe(run.id)],
    ['tenant', terminalSafe(run.tenantId)],
    ['status', terminalSafe(run.status === 'waiting' ? `waiting (${run.waitingReason ?? 'unknown'})` : run.status)],
    ['agent', terminalSafe(run.agent)],
    ['session', terminalSafe(run.sessionId)],
    ['user', terminalSafe(run.userId)],
    ['created', run.createdAt],
    ['started', run.startedAt],
    ['ended', run.endedAt],
    ['input', prose(run.input)],
    ['output', run.output === null || run.output === undefined ? null : prose(typeof run.output === 'string' ? run.output : JSON.stringify(run.output))],
    ['error', run.error === null ? null : `${terminalSafe(run.error.code)}: ${prose(run.error.message)}`],
    ['usage', formatTokens(run.usage)],
    ['cancel', run.cancelRequested && run.status !== 'cancelled' ? 'requested' : null],
  ];
  return fields
    .filter((field): field is [string, string] => field[1] !== null)
    .map(([label, value]) => `${style('dim', label.padEnd(8))} ${value}\n`)
    .join('');
}
