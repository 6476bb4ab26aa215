import { KeelError } from '../../errors/index.ts';
import { revokeApiKey } from '../../server/auth/api-keys.ts';
import { cliActor } from '../../vault/audit-log.ts';
import { exitCodes, type Command } from '../command.ts';
import { openCliStore } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { terminalSafe } from '../terminal-text.ts';

const name = 'keel keys revoke';

export const keysRevokeCommand: Command = {
  name: 'revoke',
  summary: 'revoke an API key at once',
  help: `Usage: keel keys revoke ID

Revokes the key with id ID (from "keel keys ls"). Requests with it are refused from then on, on
every node. Revoking a revoked key changes nothing.

Options:
  -h, --help    show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, {});
    if (values.help === true) return showHelp(io, this.help);
    const [id = ''] = requirePositionals(name, positionals, ['ID']);
    const store = await openCliStore(io);
    try {
      const revoked = await revokeApiKey(store, { id, actor: cliActor });
      if (revoked === undefined) throw new KeelError({ code: 'API_KEY_NOT_FOUND', message: `No API key with id "${id}"` });
      io.stdout.write(terminalSafe(`${revoked.id} revoked (tenant ${revoked.tenantId}, role ${revoked.role})`) + '\n');
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};
