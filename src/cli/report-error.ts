import { KeelError } from '../errors/index.ts';
import { exitCodes, UsageError, type CliIo } from './command.ts';
import { createStyle, shouldColor } from './style.ts';
import { terminalSafe } from './terminal-text.ts';

/**
 * Prints an error the way the CLI promises: `error CODE: message` for Keel errors, a pointer to
 * `--help` for usage mistakes, and never a stack trace unless KEEL_DEBUG=1. Messages quote what
 * users, models, tools and the command line said, so they are made terminal-safe first.
 */
export function reportError(error: unknown, io: CliIo): number {
  const style = createStyle(shouldColor(io.stderr, io.env));
  const debug = io.env.KEEL_DEBUG === '1';
  if (error instanceof UsageError) {
    io.stderr.write(`${style(['red', 'bold'], 'error')}: ${prose(error.message)}\nRun "${error.command} --help" for usage.\n`);
    return exitCodes.usage;
  }
  if (KeelError.isInstance(error)) {
    io.stderr.write(`${style(['red', 'bold'], `error ${terminalSafe(error.code)}`)}: ${prose(error.message)}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`${style(['red', 'bold'], 'error INTERNAL')}: ${prose(message)}\n`);
    if (!debug) io.stderr.write('Set KEEL_DEBUG=1 to see the stack trace.\n');
  }
  if (debug && error instanceof Error) io.stderr.write(prose(`${error.stack ?? ''}\n${formatCauses(error)}`));
  return exitCodes.failed;
}

/** Longest error message printed whole: one that quotes a megabyte-long argument is cut, saying how much was left out. */
const maxMessageLength = 2_000;

function prose(text: string): string {
  const shown = text.length <= maxMessageLength ? text : `${text.slice(0, maxMessageLength)}… (${text.length - maxMessageLength} more characters)`;
  return terminalSafe(shown, { newlines: 'keep' });
}

function formatCauses(error: Error): string {
  let text = '';
  let cause = error.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth += 1) {
    text += `caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}
