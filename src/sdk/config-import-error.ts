import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KeelError } from '../errors/index.ts';

const run = promisify(execFile);
const sdkDirectory = fileURLToPath(new URL('.', import.meta.url));

/** What a file is renamed to so Node loads it as an ES module whatever its package says. */
const moduleExtensions: Record<string, string> = { '.ts': '.mts', '.js': '.mjs' };

/**
 * Turns whatever importing (and so evaluating) a config threw into a CONFIG_INVALID error that
 * says what to do: the file and line of a syntax error, the package.json that made an ES module
 * config load as CommonJS, the erasable-syntax rule for TypeScript Node cannot strip.
 */
export async function configImportError(path: string, error: unknown): Promise<KeelError> {
  const code = (error as { code?: unknown } | null)?.code;
  const cause = typeof code === 'string' ? { cause: code } : {};
  const fail = (reason: string, details: Record<string, unknown> = {}) =>
    new KeelError({ code: 'CONFIG_INVALID', message: `${path} could not be loaded: ${reason}`, details: { path, ...cause, ...details }, cause: error });

  if (KeelError.isInstance(error)) return fail(`${error.code}: ${error.message}`);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.m?ts$/.test(path)) {
    return fail(
      `${message}. This Node.js strips TypeScript types only with --experimental-strip-types: pass it to node ` +
        '(or in NODE_OPTIONS where the keel command cannot add it itself), use Node 24 or >= 22.18, or write keel.config.mjs',
    );
  }
  if (!(error instanceof SyntaxError)) return fail(message);
  // A SyntaxError the config's code threw while running (JSON.parse, say) is no parse error.
  const thrownAt = userFrame(error);
  if (thrownAt !== undefined) return fail(`${message} (thrown at ${thrownAt})`);

  const checked = stackLocation(error) ?? (await checkSyntax(path));
  const location = checked === 'parses' ? undefined : checked;
  const where = location === undefined ? '' : ` at ${location}`;
  const file = location?.replace(/:\d+$/, '') ?? path;

  if (/Cannot use import statement outside a module|Unexpected token 'export'|Cannot use 'import\.meta' outside a module/.test(message)) {
    const packageJson = await nearestPackageJson(dirname(file));
    // `.ts` and `.js` files are CommonJS unless their package says "type": "module".
    if (extname(file) in moduleExtensions && packageJson?.type !== 'module') {
      const renamed = basename(file, extname(file)) + moduleExtensions[extname(file)];
      const scope =
        packageJson === undefined
          ? 'no package.json above it says "type": "module"'
          : `${packageJson.path} ${packageJson.type === undefined ? 'has no "type": "module"' : `says "type": ${JSON.stringify(packageJson.type)}`}`;
      return fail(
        `${basename(file)} uses import/export, but ${scope}, so Node loads it as CommonJS (${message}${where}). ` +
          `Set "type": "module" in ${packageJson?.path ?? 'a package.json next to it'}, or rename it to ${renamed}`,
        { location: location ?? null, packageJson: packageJson?.path ?? null },
      );
    }
  }
  if (code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX' || /not supported in strip-only mode/.test(message)) {
    return fail(
      `${message.trim()}${where}. TypeScript configs are loaded with Node's type stripping and must use erasable syntax only: ` +
        'no enum, namespace, or constructor parameter properties (use a const object, a module, and plain fields instead)',
      { location: location ?? null },
    );
  }
  if (/does not provide an export named/.test(message)) {
    return fail(`${message}${where}: check the name against what that module exports`, { location: location ?? null });
  }
  if (checked === 'parses') {
    return fail(`a module it imports has a syntax error (${message.trim()}); ${basename(path)} itself parses: run node --check on the modules it imports`);
  }
  return fail(`syntax error${where} (${message.trim()}): fix the code there`, { location: location ?? null });
}

/**
 * Node puts the offending `file:line` on the first line of a syntax error's stack when it parsed
 * the file as CommonJS or stripped its types; ES module syntax errors carry no location.
 */
function stackLocation(error: SyntaxError): string | undefined {
  const firstLine = error.stack?.split('\n', 1)[0] ?? '';
  if (!/^(?:file:\/\/)?\/.*:\d+$|^[A-Za-z]:\\.*:\d+$/.test(firstLine)) return undefined;
  return firstLine.startsWith('file:') ? toPathLocation(firstLine) : firstLine;
}

/** `file:///app/keel.config.ts:3` → `/app/keel.config.ts:3`, as the terminal shows paths. */
function toPathLocation(location: string): string {
  const line = /:\d+$/.exec(location)?.[0] ?? '';
  return fileURLToPath(location.slice(0, location.length - line.length)) + line;
}

/**
 * The first frame of the stack in neither Node's code nor the import in `loadConfig`, if any:
 * parse and link errors have none, a SyntaxError thrown by running code does.
 */
function userFrame(error: SyntaxError): string | undefined {
  for (const line of error.stack?.split('\n').slice(1) ?? []) {
    const frame = /^\s+at (?:.*\()?((?:file:\/\/)?\/[^()]+:\d+):\d+\)?$/.exec(line)?.[1];
    if (frame === undefined) continue;
    const location = frame.startsWith('file:') ? toPathLocation(frame) : frame;
    if (!location.startsWith(sdkDirectory)) return location;
  }
  return undefined;
}

/**
 * For a JavaScript config, `node --check` (V8's own parser, the one the import used) names the
 * line, or says the config itself parses; only on this failure path, so loading a good config
 * starts no process. TypeScript needs no check: type stripping parses the whole file and says where.
 */
async function checkSyntax(path: string): Promise<string | 'parses' | undefined> {
  if (!/\.m?js$/.test(path)) return undefined;
  try {
    await run(process.execPath, ['--check', path], { timeout: 10_000 });
    return 'parses';
  } catch (failure) {
    const firstLine = String((failure as { stderr?: unknown }).stderr ?? '').split('\n', 1)[0] ?? '';
    return /:\d+$/.test(firstLine) ? firstLine : undefined;
  }
}

/** The package.json that decides how Node loads files in `directory`, as Node finds it. */
async function nearestPackageJson(directory: string): Promise<{ path: string; type: unknown } | undefined> {
  for (let current = directory; ; current = dirname(current)) {
    const path = join(current, 'package.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      if (dirname(current) === current) return undefined;
      continue;
    }
    try {
      return { path, type: (JSON.parse(text) as { type?: unknown }).type };
    } catch {
      return { path, type: undefined };
    }
  }
}
