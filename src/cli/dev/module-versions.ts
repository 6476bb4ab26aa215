import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

let version = 0;
let hooked: string | undefined;

/**
 * Makes a fresh import of the files under `directory` load them anew: ES modules are cached
 * for the life of the process, so each reload bumps a version that a resolve hook appends to
 * their URLs (`?keel-dev=N`). Files outside the directory — Keel itself, node_modules — keep
 * their one instance. Older versions stay in memory: fine for a development server.
 *
 * @example
 * const versions = versionModulesUnder('/app/agents');
 * versions.bump();
 * const { config } = await loadConfig({ cwd: '/app/agents' }); // re-evaluates the config and its local imports
 */
export function versionModulesUnder(directory: string): { bump(): number } {
  const prefix = pathToFileURL(directory.endsWith('/') ? directory : `${directory}/`).href;
  if (hooked === undefined) {
    hooked = prefix;
    registerHooks({
      resolve(specifier, context, nextResolve) {
        const result = nextResolve(specifier, context);
        if (version === 0 || !result.url.startsWith(prefix) || result.url.includes('/node_modules/')) return result;
        const url = new URL(result.url);
        url.searchParams.set('keel-dev', String(version));
        return { ...result, url: url.href };
      },
    });
  }
  return {
    bump() {
      version += 1;
      return version;
    },
  };
}
