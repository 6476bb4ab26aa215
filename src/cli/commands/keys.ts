import { exitCodes, UsageError, type Command } from '../command.ts';
import { keysCreateCommand } from './keys-create.ts';
import { keysListCommand } from './keys-list.ts';
import { keysRevokeCommand } from './keys-revoke.ts';

const subcommands: readonly Command[] = [keysCreateCommand, keysListCommand, keysRevokeCommand];

export const keysCommand: Command = {
  name: 'keys',
  summary: 'create, list and revoke API keys',
  help: `Usage: keel keys <command> [options]

Commands:
${subcommands.map((command) => `  ${command.name.padEnd(8)}${command.summary}`).join('\n')}

Roles and what they may do: docs/permissions.md.
Run "keel keys <command> --help" for the options of each.
`,
  async run(argv, io) {
    const [subcommand, ...rest] = argv;
    if (subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
      io.stdout.write(this.help);
      return exitCodes.ok;
    }
    if (subcommand === undefined) throw new UsageError('keel keys', 'missing command: create, ls or revoke');
    const command = subcommands.find((candidate) => candidate.name === subcommand || (subcommand === 'list' && candidate.name === 'ls'));
    if (command === undefined) throw new UsageError('keel keys', `unknown command "${subcommand}" (expected create, ls or revoke)`);
    return command.run(rest, io);
  },
};
