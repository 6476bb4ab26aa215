import { userInfo } from 'node:os';
import { identifierProblem } from '../internal/text-rules.ts';
import type { Actor } from '../journal/events.ts';
import type { CliIo } from './command.ts';
import { UsageError } from './command.ts';

/**
 * Who decides from the terminal, as the journal records it: `{ kind: 'cli', name }`, the name
 * given with `--reviewer`, else the operating-system user running the command (the one a shell
 * history and the machine's logs name too).
 *
 * @example
 * const actor = cliActor('keel approvals approve', io, values.reviewer); // { kind: 'cli', name: 'rita' }
 */
export function cliActor(command: string, io: CliIo, reviewer: string | undefined): Actor {
  if (reviewer !== undefined) {
    const problem = reviewer.length > 100 ? 'is longer than 100 characters' : identifierProblem(reviewer);
    if (problem !== undefined) throw new UsageError(command, `--reviewer ${problem}`);
    return { kind: 'cli', name: reviewer };
  }
  return { kind: 'cli', name: osUser(io) };
}

function osUser(io: CliIo): string {
  try {
    const name = userInfo().username;
    if (name !== '' && identifierProblem(name) === undefined) return name;
  } catch {
    // No passwd entry for this uid (some containers): fall back to the environment.
  }
  const fromEnv = io.env.USER ?? io.env.LOGNAME ?? io.env.USERNAME;
  return fromEnv !== undefined && fromEnv !== '' && identifierProblem(fromEnv) === undefined ? fromEnv : 'unknown';
}
