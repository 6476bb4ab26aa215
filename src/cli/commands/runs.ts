import { exitCodes, UsageError, type Command } from '../command.ts';
import { runsCancelCommand } from './runs-cancel.ts';
import { runsListCommand } from './runs-list.ts';
import { runsResolveCommand } from './runs-resolve.ts';
import { runsShowCommand } from './runs-show.ts';

const subcommands: readonly Command[] = [runsListCommand, runsShowCommand, runsCancelCommand, runsResolveCommand];

export const runsCommand: Command = {
  name: 'runs',
  summary: 'list, show, cancel runs and resolve unknown tool outcomes',
  help: `Usage: keel runs <command> [options]

Commands:
${subcommands.map((command) => `  ${command.name.padEnd(8)}${command.summary}`).join('\n')}

Run "keel runs <command> --help" for the options of each.
`,
  async run(argv, io) {
    const [subcommand, ...rest] = argv;
    if (subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
      io.stdout.write(this.help);
      return exitCodes.ok;
    }
    if (subcommand === undefined) throw new UsageError('keel runs', 'missing command: ls, show, cancel or resolve');
    const command = subcommands.find((candidate) => candidate.name === subcommand || (subcommand === 'list' && candidate.name === 'ls'));
    if (command === undefined) throw new UsageError('keel runs', `unknown command "${subcommand}" (expected ls, show, cancel or resolve)`);
    return command.run(rest, io);
  },
};
