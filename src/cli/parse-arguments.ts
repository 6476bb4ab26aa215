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

/**
 * Exactly `names.length` positionals (plus up to `optional.length` more), or a UsageError naming
 * the first missing one, the first one too many, or one that is blank: an empty argument names
 * nothing (`keel dev ""` would otherwise mean the working directory).
 */
export function requirePositionals(command: string, positionals: string[], names: readonly string[], optional: readonly string[] = []): string[] {
  const missing = names[positionals.length];
  if (missing !== undefined) throw new UsageError(command, `missing ${missing}`);
  const allowed = names.length + optional.length;
  if (positionals.length > allowed) throw new UsageError(command, `unexpected argument "${positionals[allowed] ?? ''}"`);
  const blank = positionals.findIndex((positional) => positional.trim() === '');
  if (blank !== -1) throw new UsageError(command, `${[...names, ...optional][blank] ?? 'an argument'} is empty`);
  return positionals;
}

/** A whole number of at least 1 (digits only: no sign, exponent or hex), or a UsageError naming `flag`. */
export function parsePositiveInteger(command: string, flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1) throw new UsageError(command, `${flag} must be a positive integer, got "${value}"`);
  return number;
}

/** A TCP port, 0-65535 (0 picks a free one), or a UsageError naming `flag`. */
export function parsePort(command: string, flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) throw new UsageError(command, `${flag} must be a port number, 0-65535, got "${value}"`);
  return port;
}

export function parseChoice<T extends string>(command: string, flag: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(command, `${flag} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

/**
 * Parses a command's arguments strictly (unknown options are usage errors), with `-h/--help`
 * added to its options. Every mistake is a UsageError that names the option as the user typed it.
 *
 * @example
 * const { values, positionals } = parseCommandLine('keel runs show', argv, { json: { type: 'boolean' } });
 * if (values.help === true) return showHelp(io, help);
 */
export function parseCommandLine<Options extends ParseArgsOptionsConfig>(command: string, argv: string[], options: Options) {
  const withHelp = { ...options, help: { type: 'boolean', short: 'h' } } as Options & { help: { type: 'boolean'; short: 'h' } };
  const args = checkOptions(command, argv, withHelp);
  return usageErrors(command, () => parseArgs({ args, allowPositionals: true, strict: true, options: withHelp }));
}

/** An option value parseArgs would call ambiguous, but which can only be meant as a value. */
const negativeNumber = /^-\d/;

/**
 * Checks every option before parseArgs does, so each mistake names the option as typed
 * (`--tenant needs a value`) rather than in parseArgs' words ("argument is ambiguous"). A negative
 * number after an option that takes a value (`--limit -5`) is passed to it as `--limit=-5`, so
 * the option's own check says what is wrong with it. Returns the arguments to parse.
 */
function checkOptions(command: string, argv: string[], options: ParseArgsOptionsConfig): string[] {
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const args: Array<string | undefined> = [...argv];
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = options[token.name];
    if (option === undefined) throw new UsageError(command, `unknown option ${token.rawName} for "${command}"`);
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(command, `${token.rawName} takes no value, got "${token.value}"`);
      continue;
    }
    if (token.value === undefined) throw new UsageError(command, `${token.rawName} needs a value`);
    // An empty value names nothing: `--config ""` would otherwise load the working directory's config.
    if (token.value.trim() === '') throw new UsageError(command, `${token.rawName} needs a value, got an empty one`);
    // parseArgs reads the next argument as the value even when it looks like an option.
    if (token.inlineValue === false && token.value.length > 1 && token.value.startsWith('-')) {
      if (!negativeNumber.test(token.value)) {
        throw new UsageError(
          command,
          `${token.rawName} needs a value, got the option "${token.value}" (write ${token.rawName}=${token.value} to mean it as the value)`,
        );
      }
      args[token.index] = `--${token.name}=${token.value}`;
      args[token.index + 1] = undefined;
    }
  }
  return args.filter((argument) => argument !== undefined);
}

/** Prints a command's help; the exit code of asking for it. */
export function showHelp(io: CliIo, help: string): number {
  io.stdout.write(help);
  return exitCodes.ok;
}
