import type { ApiKeyRecord } from '../../store/api-key-store.ts';
import { exitCodes, type Command } from '../command.ts';
import { openCliStore } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { createStyle, shouldColor, type Style } from '../style.ts';
import { terminalSafe } from '../terminal-text.ts';

const name = 'keel keys ls';

export const keysListCommand: Command = {
  name: 'ls',
  summary: 'list API keys (never their secrets)',
  help: `Usage: keel keys ls [--tenant T] [--json]

Lists API keys, oldest first: id, tenant, role, name, the key's first characters, and whether it
is revoked. Keys themselves are never stored, so they cannot be listed.

Options:
  --tenant T    only the keys of tenant T (default: every tenant)
  --json        print the key records as a JSON array
  -h, --help    show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, { tenant: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    const store = await openCliStore(io);
    try {
      const keys = await store.listApiKeys(values.tenant === undefined ? {} : { tenantId: values.tenant });
      if (values.json === true) io.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
      else io.stdout.write(formatKeys(keys, createStyle(shouldColor(io.stdout, io.env))));
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};

/** Keys as a table, one line each; names (free text) and every other cell made terminal-safe. */
function formatKeys(keys: ApiKeyRecord[], style: Style): string {
  if (keys.length === 0) return 'No API keys. Create one with: keel keys create --tenant T --role R\n';
  const rows = keys.map((key) =>
    [key.id, key.tenantId, key.role, `${key.prefix}…`, key.revokedAt === null ? 'active' : `revoked ${key.revokedAt}`, key.name].map((cell) =>
      terminalSafe(cell),
    ),
  );
  const header = ['id', 'tenant', 'role', 'key', 'state', 'name'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${style('dim', line(header))}\n${rows.map(line).join('\n')}\n`;
}
