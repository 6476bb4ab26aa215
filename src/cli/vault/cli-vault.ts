import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KeelError } from '../../errors/index.ts';
import type { Store } from '../../store/store.ts';
import { generateMasterKey, parseMasterKeyring } from '../../vault/master-key.ts';
import { createVault, type Vault } from '../../vault/vault.ts';
import type { CliIo, SecretInput } from '../command.ts';
import { openCliStore } from '../cli-environment.ts';

/** Where `keel dev` keeps the master key it generated. */
export function devMasterKeyPath(cwd: string): string {
  return join(cwd, '.keel', 'master-key');
}

/**
 * The master key for terminal commands (`keel secrets`, `keel audit`): `KEEL_MASTER_KEY`, else
 * the key `keel dev` generated into `./.keel/master-key`, so the commands work next to a dev
 * server. `keel start` never reads the file: production keys come from the environment.
 */
export function cliMasterKeyText(io: CliIo): string | undefined {
  const fromEnv = io.env.KEEL_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv;
  const path = devMasterKeyPath(io.cwd);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

/** The store and a vault over it, or `MASTER_KEY_MISSING` before the store is opened. */
export async function openCliVault(io: CliIo): Promise<{ store: Store; vault: Vault }> {
  const keyring = parseMasterKeyring(cliMasterKeyText(io));
  const store = await openCliStore(io);
  return { store, vault: createVault({ store, keyring }) };
}

/**
 * `keel dev`'s master key: `KEEL_MASTER_KEY` when set; otherwise the one in
 * `./.keel/master-key`, generated (mode 0600) the first time. Losing the file loses the dev
 * vault's secrets, nothing else.
 *
 * @example
 * const { key, generated } = await ensureDevMasterKey(io);
 */
export async function ensureDevMasterKey(io: CliIo): Promise<{ key: string; generated: boolean; path: string | undefined }> {
  const fromEnv = io.env.KEEL_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { key: fromEnv, generated: false, path: undefined };
  const path = devMasterKeyPath(io.cwd);
  const saved = await readFile(path, 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
  if (saved !== undefined && saved !== '') return { key: saved, generated: false, path };
  const key = generateMasterKey();
  await mkdir(dirname(path), { recursive: true });
  // `wx`: never overwrite a key another process wrote a moment ago.
  await writeFile(path, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: unknown) => {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
  });
  const written = (await readFile(path, 'utf8')).trim();
  return { key: written, generated: written === key, path };
}

/**
 * A secret value from standard input: typed at a prompt that does not echo on a terminal,
 * else read whole from a pipe (one trailing newline dropped). Never from the command line,
 * where it would land in shell history and process listings.
 */
export async function readSecretValue(io: CliIo, prompt: string): Promise<string> {
  const input = io.stdin;
  if (input === undefined) throw new KeelError({ code: 'INPUT_INVALID', message: 'No standard input to read the secret value from' });
  if (input.isTTY === true && input.setRawMode !== undefined && input.on !== undefined)
    return await promptHidden(io, input, input.setRawMode.bind(input), input.on.bind(input), prompt);
  let text = '';
  for await (const chunk of input) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

function promptHidden(
  io: CliIo,
  input: SecretInput,
  setRawMode: (mode: boolean) => unknown,
  on: (event: 'data', listener: (chunk: Buffer | string) => void) => unknown,
  prompt: string,
): Promise<string> {
  io.stderr.write(prompt);
  setRawMode(true);
  input.resume?.();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (error?: Error) => {
      setRawMode(false);
      input.off?.('data', onData);
      input.pause?.();
      io.stderr.write('\n');
      if (error === undefined) resolve(value);
      else reject(error);
    };
    const onData = (chunk: Buffer | string) => {
      for (const character of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (character === '\r' || character === '\n') return done();
        if (character === '\u0003') return done(new KeelError({ code: 'INPUT_INVALID', message: 'Cancelled' }));
        if (character === '\u007f' || character === '\b') value = value.slice(0, -1);
        else value += character;
      }
    };
    on('data', onData);
  });
}
