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
  /** The directory's database, migrated, for setting up and checking records; closed by `close`. */
  store(): Promise<Store>;
  /**
   * Writes a `keel.config.mjs` whose agents are built by `agents`, JavaScript source that may
   * use `defineAgent`, `defineTool`, `scriptedModel` and `z`.
   */
  writeConfig(agents: string): Promise<void>;
  close(): Promise<void>;
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
