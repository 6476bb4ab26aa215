import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../../src/cli/cli.ts';
import type { CliIo } from '../../src/cli/command.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';

const repository = join(import.meta.dirname, '..', '..');

export interface InProcessCli {
  directory: string;
  /** The SQLite file every command of this CLI uses. */
  databasePath: string;
  /** Runs `keel …` in this process, on the directory's own database, with colours off unless `tty`. */
  keel(argv: string[], options?: { env?: NodeJS.ProcessEnv; tty?: boolean }): Promise<{ code: number; stdout: string; stderr: string }>;
  /**
   * Starts a long-running command (`keel dev`, `keel worker`) in this process: its output so far
   * is readable at any time, `signal` delivers SIGTERM/SIGINT to it as the terminal would, and
   * `exited` resolves to its exit code.
   */
  start(argv: string[], options?: { env?: NodeJS.ProcessEnv }): RunningCommand;
  /** The directory's database, migrated, for setting up and checking records; closed by `close`. */
  store(): Promise<Store>;
  /**
   * Writes a `keel.config.mjs` whose agents are built by `agents`, JavaScript source that may
   * use `defineAgent`, `defineTool`, `scriptedModel` and `z`.
   */
  writeConfig(agents: string): Promise<void>;
  close(): Promise<void>;
}

export interface RunningCommand {
  stdout(): string;
  stderr(): string;
  signal(signal?: 'SIGINT' | 'SIGTERM'): void;
  exited: Promise<number>;
  /** Resolves once `pattern` matches the output (stdout, then stderr), with the match; fails after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/** The CLI driven through an injected `CliIo`, in a fresh temporary directory. */
export async function createInProcessCli(): Promise<InProcessCli> {
  const directory = await mkdtemp(join(tmpdir(), 'keel-cli-'));
  const databasePath = join(directory, 'keel.db');
  let opened: Store | undefined;
  return {
    directory,
    databasePath,
    async keel(argv, options = {}) {
      let stdout = '';
      let stderr = '';
      const io: CliIo = {
        stdout: { write: (text: string) => (stdout += text), isTTY: options.tty === true },
        stderr: { write: (text: string) => (stderr += text), isTTY: options.tty === true },
        env: { KEEL_DATABASE_URL: `sqlite:${databasePath}`, ...(options.tty === true ? {} : { NO_COLOR: '1' }), ...options.env },
        cwd: directory,
        onSignal: () => () => undefined,
      };
      const code = await runCli(argv, io);
      return { code, stdout, stderr };
    },
    start(argv, options = {}) {
      let stdout = '';
      let stderr = '';
      const listeners = new Set<(signal: 'SIGINT' | 'SIGTERM') => void>();
      const io: CliIo = {
        stdout: { write: (text: string) => (stdout += text), isTTY: false },
        stderr: { write: (text: string) => (stderr += text), isTTY: false },
        env: { KEEL_DATABASE_URL: `sqlite:${databasePath}`, NO_COLOR: '1', ...options.env },
        cwd: directory,
        onSignal: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      };
      const exited = runCli(argv, io);
      return {
        stdout: () => stdout,
        stderr: () => stderr,
        signal: (signal = 'SIGTERM') => {
          for (const listener of [...listeners]) listener(signal);
        },
        exited,
        async waitFor(pattern, timeoutMs = 15_000) {
          for (const started = Date.now(); ;) {
            const match = pattern.exec(stdout) ?? pattern.exec(stderr);
            if (match !== null) return match;
            if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${String(pattern)}:\n${stdout}\n${stderr}`);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        },
      };
    },
    async store() {
      if (opened === undefined) {
        opened = createSqliteStore({ path: databasePath });
        await opened.migrate();
      }
      return opened;
    },
    async writeConfig(agents) {
      const url = (path: string) => JSON.stringify(pathToFileURL(join(repository, path)).href);
      await writeFile(
        join(directory, 'keel.config.mjs'),
        `import { defineAgent, defineConfig, defineTool } from ${url('src/index.ts')};
         import { scriptedModel } from ${url('src/testing/index.ts')};
         import { z } from ${url('node_modules/zod/index.js')};
         export default defineConfig({ agents: ${agents} });`,
      );
    },
    async close() {
      await opened?.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
