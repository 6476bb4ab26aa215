import { createApiKey } from '../../server/auth/api-keys.ts';
import { cliActor } from '../../vault/audit-log.ts';
import { apiKeyRoles } from '../../store/api-key-store.ts';
import { exitCodes, UsageError, type Command } from '../command.ts';
import { openCliStore } from '../cli-environment.ts';
import { parseChoice, parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { terminalSafe } from '../terminal-text.ts';

const name = 'keel keys create';

export const keysCreateCommand: Command = {
  name: 'create',
  summary: 'mint an API key (printed once)',
  help: `Usage: keel keys create --tenant T --role R [--name N] [--json]

Mints an API key for tenant T and prints it once: only its hash is stored, so it cannot be shown
again. Roles: ${apiKeyRoles.join(', ')} (what each may do: docs/permissions.md).

Options:
  --tenant T    the tenant the key acts in (letters, digits, "_", "." or "-")
  --role R      ${apiKeyRoles.join(' | ')}
  --name N      a label to recognise the key by in "keel keys ls"
  --json        print { key, id, tenantId, role, name, prefix, createdAt } as JSON
  -h, --help    show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, {
      tenant: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    if (values.tenant === undefined) throw new UsageError(name, 'missing --tenant');
    const role = parseChoice(name, '--role', values.role, apiKeyRoles);
    if (role === undefined) throw new UsageError(name, 'missing --role');
    const store = await openCliStore(io);
    try {
      const { key, record } = await createApiKey(store, {
        tenantId: values.tenant,
        role,
        actor: cliActor,
        ...(values.name === undefined ? {} : { name: values.name }),
      });
      if (values.json === true) {
        io.stdout.write(`${JSON.stringify({ key, ...record }, null, 2)}\n`);
      } else {
        io.stdout.write(`${key}\n`);
        io.stderr.write(
          `${terminalSafe(`Created ${record.id} (tenant ${record.tenantId}, role ${record.role})`)}. The key is shown only this once: store it now.\n`,
        );
      }
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};
