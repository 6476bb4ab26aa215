import { parseArgs } from 'node:util';
import { KeelError } from '../../errors/index.ts';
import { exitCodes, type Command } from '../command.ts';
import { openCliStore } from '../cli-environment.ts';
import { requirePositionals, usageErrors } from '../parse-arguments.ts';

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
    const { values, positionals } = usageErrors(name, () =>
      parseArgs({ args: argv, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } }),
    );
    if (values.help === true) {
      io.stdout.write(this.help);
      return exitCodes.ok;
    }
    const [id = ''] = requirePositionals(name, positionals, ['ID']);
    const store = await openCliStore(io);
    try {
      const revoked = await store.revokeApiKey(id, { now: new Date() });
      if (revoked === undefined) throw new KeelError({ code: 'API_KEY_NOT_FOUND', message: `No API key with id "${id}"` });
      io.stdout.write(`${revoked.id} revoked (tenant ${revoked.tenantId}, role ${revoked.role})\n`);
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};
