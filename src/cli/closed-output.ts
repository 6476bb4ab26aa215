/** What `CliIo.stdout` and `CliIo.stderr` need of a stream. */
export interface GuardedOutput {
  write(text: string): boolean;
  readonly isTTY: boolean;
  /** True once the reader went away; later writes are dropped. */
  readonly closed: boolean;
}

/**
 * Errors that mean the reader of an output went away (`keel runs ls | head` after head exits):
 * EPIPE on the write itself, or a write to the stream Node destroyed because of it.
 */
export function isClosedOutputError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/**
 * Wraps a process output so a reader that goes away early ends nothing but the output: Node
 * reports EPIPE as an `error` event, which unhandled crashes the process with a stack trace.
 * Here the first error calls `onClosed` once and every later write is dropped, so the command
 * finishes (or, told by `onClosed`, stops) as it would have, with its own exit status.
 * Any other error on the stream counts as closed too (nothing more can be written to it), and is
 * passed to `onClosed` to be reported elsewhere.
 *
 * @example
 * const stdout = guardClosedOutput(process.stdout, () => stopLongRunningCommands());
 */
export function guardClosedOutput(stream: NodeJS.WriteStream, onClosed: (error: unknown) => void): GuardedOutput {
  let closed = false;
  stream.on('error', (error) => {
    if (closed) return;
    closed = true;
    onClosed(isClosedOutputError(error) ? undefined : error);
  });
  return {
    write(text) {
      if (closed || stream.destroyed) return false;
      return stream.write(text);
    },
    get isTTY() {
      return stream.isTTY === true;
    },
    get closed() {
      return closed;
    },
  };
}
