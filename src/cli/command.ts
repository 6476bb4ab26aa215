/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where secret values are read from (`keel secrets set`); a terminal gets a prompt that does not echo. Default: none. */
  stdin?: SecretInput;
  /** Subscribes to SIGINT/SIGTERM; returns the unsubscribe function. */
  onSignal(listener: (signal: 'SIGINT' | 'SIGTERM') => void): () => void;
}

/** The part of a readable stream `keel secrets set` uses. */
export interface SecretInput extends AsyncIterable<Buffer | string> {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on?(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off?(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  pause?(): unknown;
  resume?(): unknown;
}

export interface Command {
  name: string;
  /** One line for `keel --help`. */
  summary: string;
  /** The whole `--help` text. */
  help: string;
  /** Resolves to the process exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}

export const exitCodes = {
  ok: 0,
  /** A KeelError, or a run that failed or was cancelled. */
  failed: 1,
  /** Unknown command or option, missing or malformed argument. */
  usage: 2,
  /** The run parked in `waiting` (approval, human, budget, …). */
  waiting: 3,
  interrupted: 130,
} as const;

/** A mistake in how the command was called, as opposed to a failure doing what it asked. */
export class UsageError extends Error {
  readonly command: string;
  constructor(command: string, message: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}
