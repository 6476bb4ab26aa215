import { readAuditPages } from '../../vault/audit-log.ts';
import { exitCodes, UsageError, type Command } from '../command.ts';
import { openCliStore } from '../cli-environment.ts';
import { parseChoice, parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';

const name = 'keel audit export';

export const auditExportCommand: Command = {
  name: 'export',
  summary: 'print the audit log as JSON lines',
  help: `Usage: keel audit export --format jsonl [--tenant T] [--from DATE] [--to DATE]

Prints audit entries in chain order, one JSON object per line: seq, time, tenant, actor,
action, subject, details, prevHash and hash. Anyone can re-check the chain from the export:
hash = SHA-256(prevHash + "\\n" + canonical JSON of { seq, time, tenant, actor, action,
subject, details }). Keep the last line's seq and hash: "keel audit verify --head SEQ:HASH"
then detects a rewritten or shortened log.

Options:
  --format jsonl   the output format (the only one)
  --tenant T       only tenant T's entries
  --from DATE      entries at or after DATE (ISO 8601)
  --to DATE        entries before DATE
  -h, --help       show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, {
      format: { type: 'string' },
      tenant: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    if (parseChoice(name, '--format', values.format, ['jsonl'] as const) === undefined) throw new UsageError(name, 'missing --format jsonl');
    const from = values.from === undefined ? undefined : isoDate(values.from, '--from');
    const to = values.to === undefined ? undefined : isoDate(values.to, '--to');
    const store = await openCliStore(io);
    try {
      const filters = {
        ...(values.tenant === undefined ? {} : { tenantId: values.tenant }),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
      };
      for await (const page of readAuditPages(store, filters)) {
        io.stdout.write(page.map(({ id: _id, ...entry }) => `${JSON.stringify(entry)}\n`).join(''));
      }
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};

export function isoDate(text: string, flag: string, command = name): string {
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new UsageError(command, `${flag} must be a date such as 2025-01-31 or 2025-01-31T12:00:00Z, got "${text}"`);
  return new Date(time).toISOString();
}
