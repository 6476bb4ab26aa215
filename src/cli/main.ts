import { guardClosedOutput } from './closed-output.ts';
import { runCli } from './cli.ts';
import { exitCodes, type CliIo } from './command.ts';

/**
 * The `keel` executable. The first SIGINT/SIGTERM goes to the command, which stops gracefully;
 * a second one exits at once.
 */
const listeners = new Set<(signal: 'SIGINT' | 'SIGTERM') => void>();
let signals = 0;
const onProcessSignal = (signal: 'SIGINT' | 'SIGTERM') => {
  signals += 1;
  if (signals > 1 || listeners.size === 0) process.exit(exitCodes.interrupted);
  for (const listener of listeners) listener(signal);
};
process.on('SIGINT', onProcessSignal);
process.on('SIGTERM', onProcessSignal);

/*
 * When the reader of stdout goes away (`keel runs show ID | head`), the output ends quietly: no
 * EPIPE stack. A short command finishes as usual with its own exit status. A long-running one
 * (worker, run, dev, start) would go on working for nobody, so it is asked to stop as on
 * SIGTERM, which finishes or parks in-flight steps and releases leases: unlike being killed, that
 * leaves no unsafe tool call with an unknown outcome. A later command subscribing is told at once.
 */
let stdoutClosed = false;
const stderr = guardClosedOutput(process.stderr, () => undefined);
const stdout = guardClosedOutput(process.stdout, (error) => {
  stdoutClosed = true;
  if (error !== undefined) stderr.write(`error: cannot write to stdout: ${error instanceof Error ? error.message : String(error)}\n`);
  if (listeners.size > 0) stderr.write('stdout was closed: stopping as on SIGTERM\n');
  for (const listener of listeners) listener('SIGTERM');
});

const io: CliIo = {
  stdout,
  stderr,
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  onSignal(listener) {
    listeners.add(listener);
    if (stdoutClosed) queueMicrotask(() => listener('SIGTERM'));
    return () => listeners.delete(listener);
  },
};

process.exitCode = await runCli(process.argv.slice(2), io);
process.off('SIGINT', onProcessSignal);
process.off('SIGTERM', onProcessSignal);
