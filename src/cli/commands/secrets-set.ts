import { exitCodes, UsageError, type Command } from '../command.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { cliActor } from '../../vault/audit-log.ts';
import { openCliVault, readSecretValue } from '../vault/cli-vault.ts';

const name = 'keel secrets set';

export const secretsSetCommand: Command = {
  name: 'set',
  summary: 'store a tenant or per-user secret (value from stdin)',
  help: `Usage: keel secrets set --tenant T [--user U] NAME

Seals the secret NAME in the vault, for end user U of tenant T, or for the tenant itself
without --user (tools fall back to it when a user has none). The value is read from standard
input: piped (printf %s "$VALUE" | keel secrets set ...), or typed at a prompt that does not
echo. It is never taken from the command line. Setting a secret queues again the runs that
were waiting for it.

Options:
  --tenant T    the tenant
  --user U      the end user (default: the tenant's own secret)
  -h, --help    show this help

Environment:
  KEEL_MASTER_KEY   the master key (default: ./.keel/master-key, written by keel dev)
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, { tenant: { type: 'string' }, user: { type: 'string' } });
    if (values.help === true) return showHelp(io, this.help);
    const [secretName = ''] = requirePositionals(name, positionals, ['NAME']);
    if (values.tenant === undefined) throw new UsageError(name, 'missing --tenant');
    const { store, vault } = await openCliVault(io);
    try {
      const value = await readSecretValue(io, `Value of ${secretName}: `);
      const { record, created, requeued } = await vault.setSecret({
        tenantId: values.tenant,
        userId: values.user ?? null,
        name: secretName,
        value,
        actor: cliActor,
      });
      const owner = record.userId === null ? `tenant ${record.tenantId}` : `user ${record.userId} of tenant ${record.tenantId}`;
      io.stdout.write(`${created ? 'Set' : 'Replaced'} ${record.name} for ${owner} (master key version ${record.keyVersion})\n`);
      if (requeued.length > 0) io.stdout.write(`${requeued.length} waiting run(s) queued again\n`);
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};
