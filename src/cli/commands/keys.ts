import { commandGroup } from '../command-group.ts';
import { keysCreateCommand } from './keys-create.ts';
import { keysListCommand } from './keys-list.ts';
import { keysRevokeCommand } from './keys-revoke.ts';

export const keysCommand = commandGroup({
  name: 'keys',
  summary: 'create, list and revoke API keys',
  subcommands: [keysCreateCommand, keysListCommand, keysRevokeCommand],
  aliases: { list: 'ls' },
  note: 'Roles and what they may do: docs/permissions.md.',
});
