/**
 * Which Node.js versions Keel runs on, and how the `keel` executable makes type stripping
 * available. Plain functions of their inputs, with no imports: `bin/keel.js` loads this file
 * before anything else, on whatever Node the user has, so it must not pull in `node:sqlite`.
 *
 * The floor is 22.16 on the 22 line: `keel dev` reloads agents through `module.registerHooks`
 * (22.15), the executable enables type stripping with `process.execve` (22.15), and the SQLite
 * store's busy timeout is the `DatabaseSync` `timeout` option, which 22.15 silently ignores
 * (22.16). Node 23 reached its end of life before it had all three.
 */

/** The oldest Node.js 22 release Keel supports; every release from 24 on is supported too. */
export const minimumNodeVersion = '22.16';

/**
 * Why this Node.js cannot run Keel, as a sentence for the terminal, or undefined when it can.
 *
 * @example
 * unsupportedNodeMessage('20.20.2'); // 'Keel needs Node ≥ 22.16 (this is 20.20.2)'
 * unsupportedNodeMessage('24.21.0'); // undefined
 */
export function unsupportedNodeMessage(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major >= 24 || (major === 22 && minor >= 16)) return undefined;
  if (major === 23) return `Keel needs Node ≥ ${minimumNodeVersion} on Node 22, or Node ≥ 24 (this is ${version})`;
  return `Keel needs Node ≥ ${minimumNodeVersion} (this is ${version})`;
}

/** The parts of `process` the relaunch decision reads. */
export interface NodeProcessFacts {
  execPath: string;
  execArgv: readonly string[];
  argv: readonly string[];
  features: { typescript?: string | false };
}

/**
 * The argument vector to re-run the `keel` executable with when this Node.js does not strip
 * TypeScript types by default (22.16 and 22.17), so a user's `keel.config.ts` loads the way it
 * does on 22.18 and 24; undefined when types are stripped already or were turned off on purpose.
 * The flag's experimental warning is silenced: Keel chose the flag, not the user.
 *
 * @example
 * const argv = typeStrippingRelaunch(process);
 * if (argv !== undefined) process.execve(process.execPath, argv, process.env);
 */
export function typeStrippingRelaunch(facts: NodeProcessFacts): string[] | undefined {
  if (facts.features.typescript) return undefined;
  if (facts.execArgv.some((flag) => /^--(no-)?experimental-(strip-types|transform-types)$/.test(flag))) return undefined;
  return [facts.execPath, '--experimental-strip-types', '--disable-warning=ExperimentalWarning', ...facts.execArgv, ...facts.argv.slice(1)];
}
