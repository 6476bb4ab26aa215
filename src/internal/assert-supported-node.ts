import { KeelError } from '../errors/index.ts';
import { minimumNodeVersion, unsupportedNodeMessage } from './node-support.ts';

/**
 * Imported first by every public entry point (`keel`, `keel/server`, `keel/testing`,
 * `keel/postgres`), so importing Keel on an old Node.js fails with a sentence that says so, not
 * with an unknown built-in module further down. Nothing below loads `node:sqlite` at link time
 * for the same reason: a missing built-in would fail before this module gets to run.
 */
const problem = unsupportedNodeMessage(process.versions.node);
if (problem !== undefined) {
  throw new KeelError({
    code: 'NODE_VERSION_UNSUPPORTED',
    message: problem,
    details: { version: process.versions.node, minimum: minimumNodeVersion },
  });
}
