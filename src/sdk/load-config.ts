import { stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KeelError } from '../errors/index.ts';
import type { KeelConfig } from './define-config.ts';

/** The file names looked for in a directory, in order of preference. */
export const configFileNames: readonly string[] = ['keel.config.ts', 'keel.config.mts', 'keel.config.js', 'keel.config.mjs'];

const typeScriptExtensions = new Set(['.ts', '.mts']);
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
    throw importFailure(path, error);
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

/** Turns whatever importing (and so evaluating) the config threw into a CONFIG_INVALID error. */
function importFailure(path: string, error: unknown): KeelError {
  const code = (error as { code?: unknown } | null)?.code;
  let reason = error instanceof Error ? error.message : String(error);
  if (KeelError.isInstance(error)) reason = `${error.code}: ${error.message}`;
  if (error instanceof SyntaxError) {
    const where = syntaxErrorLocation(error);
    if (where !== undefined) reason = `${reason} (at ${where})`;
    if (typeScriptExtensions.has(extname(path)) || (where !== undefined && /\.m?ts:\d+$/.test(where))) {
      reason +=
        ". TypeScript configs are loaded with Node's type stripping and must use erasable syntax only: " +
        'no enum, namespace, or constructor parameter properties (use a const object, a module, and plain fields instead)';
    }
  } else if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && typeScriptExtensions.has(extname(path))) {
    reason += '. This Node.js cannot load TypeScript directly: use Node 24 (or >= 22.18), or write keel.config.mjs';
  }
  return new KeelError({
    code: 'CONFIG_INVALID',
    message: `${path} could not be loaded: ${reason}`,
    details: { path, ...(typeof code === 'string' ? { cause: code } : {}) },
    cause: error,
  });
}

/** Node puts the offending `file:line` on the first line of a module's syntax error stack. */
function syntaxErrorLocation(error: SyntaxError): string | undefined {
  const firstLine = error.stack?.split('\n', 1)[0] ?? '';
  return /^(?:file:\/\/)?\/.*:\d+$|^[A-Za-z]:\\.*:\d+$/.test(firstLine) ? firstLine : undefined;
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
