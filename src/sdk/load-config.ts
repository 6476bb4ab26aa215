import { stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KeelError } from '../errors/index.ts';
import { configImportError } from './config-import-error.ts';
import type { KeelConfig } from './define-config.ts';

/** The file names looked for in a directory, in order of preference. */
export const configFileNames: readonly string[] = ['keel.config.ts', 'keel.config.mts', 'keel.config.js', 'keel.config.mjs'];

const supportedExtensions = new Set(['.ts', '.mts', '.js', '.mjs']);

export interface LoadConfigOptions {
  /** Where to look for `keel.config.*`, and what a relative `path` is resolved against. */
  cwd: string;
  /** An explicit config file, or a directory to look in instead of `cwd`. */
  path?: string;
}

/**
 * Finds and imports a Keel config file with no build step: TypeScript configs run through Node's
 * built-in type stripping, so they must use erasable syntax only (no `enum`, `namespace` or
 * constructor parameter properties).
 *
 * @example
 * const { config, path } = await loadConfig({ cwd: process.cwd() });
 * console.log(`${config.agents.size} agents from ${path}`);
 */
export async function loadConfig(options: LoadConfigOptions): Promise<{ config: KeelConfig; path: string }> {
  const path = await findConfigFile(options);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw await configImportError(path, error);
  }
  const config = exports.default;
  if (!isKeelConfig(config)) {
    throw new KeelError({
      code: 'CONFIG_INVALID',
      message: `${path}: the default export must be the result of defineConfig({ agents: [...] }), got ${describe(config)}`,
      details: { path },
    });
  }
  return { config, path };
}

async function findConfigFile(options: LoadConfigOptions): Promise<string> {
  if (options.path !== undefined) {
    const explicit = resolve(options.cwd, options.path);
    const kind = await fileKind(explicit);
    if (kind === 'directory') return findInDirectory(explicit);
    if (kind === 'missing') {
      throw new KeelError({ code: 'CONFIG_NOT_FOUND', message: `No config file at ${explicit}`, details: { path: explicit } });
    }
    if (!supportedExtensions.has(extname(explicit))) {
      throw new KeelError({
        code: 'CONFIG_INVALID',
        message: `${explicit}: a config file must end in ${[...supportedExtensions].join(', ')}`,
        details: { path: explicit },
      });
    }
    return explicit;
  }
  return findInDirectory(resolve(options.cwd));
}

async function findInDirectory(directory: string): Promise<string> {
  for (const name of configFileNames) {
    const candidate = join(directory, name);
    if ((await fileKind(candidate)) === 'file') return candidate;
  }
  throw new KeelError({
    code: 'CONFIG_NOT_FOUND',
    message: `No Keel config in ${directory} (looked for ${configFileNames.join(', ')})`,
    details: { directory, lookedFor: configFileNames },
  });
}

async function fileKind(path: string): Promise<'file' | 'directory' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

/** A structural check, so a config built by another copy of the package is accepted too. */
function isKeelConfig(value: unknown): value is KeelConfig {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<KeelConfig>;
  return candidate.kind === 'keel.config' && candidate.agents instanceof Map;
}

function describe(value: unknown): string {
  if (value === undefined) return 'no default export';
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const keys = Object.keys(value).slice(0, 5);
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.join(', ')}`;
  }
  return `a ${typeof value}`;
}
