import { KeelError } from '../../errors/index.ts';
import { cliActor } from '../../vault/audit-log.ts';
import { deleteCredential } from '../../vault/delete-credential.ts';
import { exitCodes, UsageError, type Command } from '../command.ts';
import { openCliStore } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';

const name = 'keel secrets rm';

export const secretsRemoveCommand: Command = {
  name: 'rm',
  summary: 'delete a secret',
  help: `Usage: keel secrets rm --tenant T [--user U] NAME

Deletes the secret (or OAuth connection) NAME of end user U of tenant T, or the tenant's own
without --user. Tool calls that need it park in "waiting: credential" from then on.

Options:
  --tenant T    the tenant
  --user U      the end user (default: the tenant's own secret)
  -h, --help    show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, { tenant: { type: 'string' }, user: { type: 'string' } });
    if (values.help === true) return showHelp(io, this.help);
    const [secretName = ''] = requirePositionals(name, positionals, ['NAME']);
    if (values.tenant === undefined) throw new UsageError(name, 'missing --tenant');
    const store = await openCliStore(io);
    try {
      // Deleting opens nothing, so it needs no master key.
      const key = { tenantId: values.tenant, userId: values.user ?? null, name: secretName };
      if (!(await deleteCredential({ store, key, actor: cliActor }))) {
        throw new KeelError({
          code: 'CREDENTIAL_NOT_FOUND',
          message: `No secret "${secretName}" for ${values.user === undefined ? 'the tenant' : `user "${values.user}"`}`,
        });
      }
      io.stdout.write(`Deleted ${secretName}\n`);
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};
