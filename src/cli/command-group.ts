import { exitCodes, UsageError, type Command } from './command.ts';

/**
 * A command made of subcommands (`keel runs ls`, `keel keys create`): dispatches on the first
 * argument and lists the subcommands in its help.
 *
 * @example
 * export const keysCommand = commandGroup({ name: 'keys', summary: 'manage API keys', subcommands: [keysCreateCommand] });
 */
export function commandGroup(options: {
  name: string;
  summary: string;
  subcommands: readonly Command[];
  /** Other names a subcommand answers to, e.g. `{ list: 'ls' }`. */
  aliases?: Record<string, string>;
  /** A line of help after the list of subcommands. */
  note?: string;
}): Command {
  const { name, subcommands } = options;
  const names = subcommands.map((command) => command.name);
  const expected = `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`;
  return {
    name,
    summary: options.summary,
    help: `Usage: keel ${name} <command> [options]

Commands:
${subcommands.map((command) => `  ${command.name.padEnd(8)}${command.summary}`).join('\n')}
${options.note === undefined ? '' : `\n${options.note}\n`}
Run "keel ${name} <command> --help" for the options of each.
`,
    async run(argv, io) {
      const [subcommand, ...rest] = argv;
      if (subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
        io.stdout.write(this.help);
        return exitCodes.ok;
      }
      if (subcommand === undefined) throw new UsageError(`keel ${name}`, `missing command: ${expected}`);
      const wanted = options.aliases?.[subcommand] ?? subcommand;
      const command = subcommands.find((candidate) => candidate.name === wanted);
      if (command === undefined) throw new UsageError(`keel ${name}`, `unknown command "${subcommand}" (expected ${expected})`);
      return await command.run(rest, io);
    },
  };
}
