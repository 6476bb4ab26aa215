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

const io: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  onSignal(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

process.exitCode = await runCli(process.argv.slice(2), io);
process.off('SIGINT', onProcessSignal);
process.off('SIGTERM', onProcessSignal);
