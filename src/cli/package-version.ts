import { readFileSync } from 'node:fs';
import { KeelError } from '../errors/index.ts';

/**
 * The version in Keel's own package.json. Read at run time rather than imported: the manifest
 * sits two levels above this file both in `src/cli/` and in the built `dist/cli/`, and outside
 * the compiler's root.
 *
 * @example
 * io.stdout.write(`${packageVersion()}\n`); // 0.1.0
 */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
  if (manifest.name !== 'keel' || typeof manifest.version !== 'string') {
    throw new KeelError({ code: 'INTERNAL', message: "Keel's package.json was not found next to the CLI" });
  }
  return manifest.version;
}
