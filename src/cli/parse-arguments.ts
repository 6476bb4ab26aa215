import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { exitCodes, UsageError, type CliIo } from './command.ts';

/**
 * Runs a `node:util` parseArgs call and turns its errors (unknown option, missing value) into a
 * UsageError that names the command, so the user gets exit code 2 and a pointer to `--help`.
 *
 * @example
 * const { values } = usageErrors('keel migrate', () => parseArgs({ args, options: { help: { type: 'boolean' } }, strict: true }));
 */
export function usageErrors<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw error;
    const message = (error as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    if (unknown !== undefined) throw new UsageError(command, `unknown option ${unknown} for "${command}"`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(command, `too many arguments for "${command}"`);
    throw new UsageError(command, message.split('\n', 1)[0] ?? message);
  }
}

/** Exactly `names.length` positionals, or a UsageError naming the first missing one. */
export function requirePositionals(command: string, positionals: string[], names: readonly string[]): string[] {
  const missing = names[positionals.length];
  if (missing !== undefined) throw new UsageError(command, `missing ${missing}`);
  if (positionals.length > names.length) throw new UsageError(command, `unexpected argument "${positionals[names.length] ?? ''}"`);
  return positionals;
}

export function parsePositiveInteger(command: string, flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(command, `${flag} must be a positive integer, got "${value}"`);
  return number;
}

export function parseChoice<T extends string>(command: string, flag: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(command, `${flag} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

/**
 * Parses a command's arguments strictly (unknown options are usage errors), with `-h/--help`
 * added to its options.
 *
 * @example
 * const { values, positionals } = parseCommandLine('keel runs show', argv, { json: { type: 'boolean' } });
 * if (values.help === true) return showHelp(io, help);
 */
export function parseCommandLine<Options extends ParseArgsOptionsConfig>(command: string, argv: string[], options: Options) {
  return usageErrors(command, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as Options & { help: { type: 'boolean'; short: 'h' } },
    }),
  );
}

/** Prints a command's help; the exit code of asking for it. */
export function showHelp(io: CliIo, help: string): number {
  io.stdout.write(help);
  return exitCodes.ok;
}
