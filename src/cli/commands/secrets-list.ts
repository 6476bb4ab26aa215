import type { CredentialRecord } from '../../store/credential-store.ts';
import { exitCodes, UsageError, type Command } from '../command.ts';
import { openCliStore } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { createStyle, shouldColor, type Style } from '../style.ts';
import { terminalSafe } from '../terminal-text.ts';

const name = 'keel secrets ls';

export const secretsListCommand: Command = {
  name: 'ls',
  summary: 'list secrets: names and metadata, never values',
  help: `Usage: keel secrets ls --tenant T [--user U | --tenant-only] [--json]

Lists the vault's credentials of tenant T: owner, name, kind (secret or oauth), the master key
version it is sealed under, when and by whom it was set. Values are never shown: only the vault
can open them, inside a tool call.

Options:
  --tenant T      the tenant
  --user U        only end user U's credentials
  --tenant-only   only the tenant's own credentials
  --json          print the records as a JSON array
  -h, --help      show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, {
      tenant: { type: 'string' },
      user: { type: 'string' },
      'tenant-only': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    if (values.tenant === undefined) throw new UsageError(name, 'missing --tenant');
    if (values.user !== undefined && values['tenant-only'] === true) throw new UsageError(name, '--user and --tenant-only exclude each other');
    // Listing needs no master key: nothing is decrypted.
    const store = await openCliStore(io);
    try {
      const userId = values['tenant-only'] === true ? null : values.user;
      const records = await store.listCredentials({ tenantId: values.tenant, ...(userId === undefined ? {} : { userId }) });
      if (values.json === true) io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
      else io.stdout.write(formatRecords(records, createStyle(shouldColor(io.stdout, io.env))));
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};

function formatRecords(records: CredentialRecord[], style: Style): string {
  if (records.length === 0) return 'No secrets. Set one with: keel secrets set --tenant T [--user U] NAME\n';
  // Through the terminal-safe printer like every listing: ids are validated when set, but who
  // set a secret is whatever actor id the code that set it gave.
  const rows = records.map((record) =>
    [
      record.userId === null ? '(tenant)' : record.userId,
      record.name,
      record.kind,
      `v${record.keyVersion}`,
      record.updatedAt,
      record.updatedBy,
      record.expiresAt === null ? '' : `expires ${record.expiresAt}`,
    ].map((cell) => terminalSafe(cell)),
  );
  const header = ['owner', 'name', 'kind', 'key', 'updated', 'by', ''];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${style('dim', line(header))}\n${rows.map(line).join('\n')}\n`;
}
