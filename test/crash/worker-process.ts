import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
export const fixtureConfig = fileURLToPath(new URL('./fixture/keel.config.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
  output(): string;
}

/** Starts `keel worker` as a real child process, exactly as an operator would. */
export function spawnWorker(env: Record<string, string>, args: string[] = ['--until-idle']): WorkerProcess {
  return spawnKeel(env, ['worker', '--config', fixtureConfig, ...args]);
}

/** Runs any `keel` command as a child process. */
export function spawnKeel(env: Record<string, string>, args: string[]): WorkerProcess {
  const child = spawn(process.execPath, ['--conditions=keel-source', 'src/cli/main.ts', ...args], {
    cwd: repositoryRoot,
    env: { ...process.env, NO_COLOR: '1', KEEL_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, exited, output: () => output };
}
