import { commandGroup } from '../command-group.ts';
import { runsCancelCommand } from './runs-cancel.ts';
import { runsListCommand } from './runs-list.ts';
import { runsResolveCommand } from './runs-resolve.ts';
import { runsShowCommand } from './runs-show.ts';

export const runsCommand = commandGroup({
  name: 'runs',
  summary: 'list, show, cancel runs and resolve unknown tool outcomes',
  subcommands: [runsListCommand, runsShowCommand, runsCancelCommand, runsResolveCommand],
  aliases: { list: 'ls' },
});
