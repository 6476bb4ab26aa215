import { exitCodes, UsageError, type CliIo, type Command } from './command.ts';
import { approvalsCommand } from './commands/approvals.ts';
import { auditCommand } from './commands/audit.ts';
import { devCommand } from './commands/dev.ts';
import { feedbackCommand } from './commands/feedback.ts';
import { keysCommand } from './commands/keys.ts';
import { migrateCommand } from './commands/migrate.ts';
import { runCommand } from './commands/run.ts';
import { runsCommand } from './commands/runs.ts';
import { secretsCommand } from './commands/secrets.ts';
import { startCommand } from './commands/start.ts';
import { workerCommand } from './commands/worker.ts';
import { packageVersion } from './package-version.ts';
import { reportError } from './report-error.ts';

const commands: readonly Command[] = [
  devCommand,
  startCommand,
  runCommand,
  workerCommand,
  runsCommand,
  approvalsCommand,
  feedbackCommand,
  keysCommand,
  secretsCommand,
  auditCommand,
  migrateCommand,
];

export const globalHelp = `Usage: keel <command> [options]

Commands:
${commands.map((command) => `  ${command.name.padEnd(11)}${command.summary}`).join('\n')}

Run "keel <command> --help" for the options of a command; "keel --version" prints the version.

Environment:
  KEEL_DATABASE_URL   the store (default sqlite:./.keel/keel.db; postgres://... for PostgreSQL)
  KEEL_PORT           port of keel dev and keel start (default 4000)
  KEEL_HOST           address of keel dev and keel start (default 127.0.0.1)
  KEEL_LOG_LEVEL      JSON logs on stderr at this level and above (default warn)
  KEEL_LEASE_MS       lease duration in ms (default 15000): how soon a crashed worker's runs resume
  KEEL_CORS_ORIGINS   browser origins allowed to call the API of keel dev/start, comma-separated (default: none)
  KEEL_MASTER_KEY     the vault's master key (keel dev generates one into ./.keel/master-key)
  KEEL_DEBUG=1        print stack traces with errors
  NO_COLOR            no colours, even on a terminal
`;

/**
 * Runs one CLI invocation and resolves to its exit code: 0 success, 1 failure, 2 usage error,
 * 3 the run is waiting. Never throws.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), io);
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(globalHelp);
    return exitCodes.ok;
  }
  try {
    if (name === '--version' || name === '-v') {
      if (rest.length > 0) throw new UsageError('keel', `unexpected argument "${rest[0] ?? ''}" after ${name}`);
      io.stdout.write(`${packageVersion()}\n`);
      return exitCodes.ok;
    }
    if (name === undefined) throw new UsageError('keel', 'missing command');
    const command = commands.find((candidate) => candidate.name === name);
    if (command === undefined) {
      throw new UsageError('keel', name.startsWith('-') ? `unknown option ${name}` : `unknown command "${name}"`);
    }
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}
