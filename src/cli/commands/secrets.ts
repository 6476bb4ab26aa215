import { commandGroup } from '../command-group.ts';
import { secretsListCommand } from './secrets-list.ts';
import { secretsRemoveCommand } from './secrets-remove.ts';
import { secretsRotateMasterCommand } from './secrets-rotate-master.ts';
import { secretsSetCommand } from './secrets-set.ts';

export const secretsCommand = commandGroup({
  name: 'secrets',
  summary: 'the vault: set, list and delete secrets, rotate the master key',
  subcommands: [secretsSetCommand, secretsListCommand, secretsRemoveCommand, secretsRotateMasterCommand],
  aliases: { list: 'ls', remove: 'rm', delete: 'rm' },
  note: 'Values are read from standard input, never from arguments, and never shown again.',
});
