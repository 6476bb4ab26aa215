#!/usr/bin/env node
// Published entry point: the compiled CLI. In the repository, `npm run keel` runs the sources directly.
// Plain JavaScript that any Node.js parses, so an old one hears which version Keel needs.
let support;
try {
  support = await import('../dist/internal/node-support.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  const { fileURLToPath } = await import('node:url');
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`Keel is not built: ${root}dist/ is missing. Run \`npm install\` (or \`npm run build\`) in ${root}.\n`);
  process.exit(1);
}

const problem = support.unsupportedNodeMessage(process.versions.node);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

// Node 22.16 and 22.17 strip TypeScript types only behind a flag: run this same command again
// with it, in this same process (same pid, same signals), so keel.config.ts loads as on 22.18+.
// Where execve is missing (Windows), a TypeScript config's error says which flag to pass.
const argv = support.typeStrippingRelaunch(process);
if (argv !== undefined && typeof process.execve === 'function') process.execve(process.execPath, argv, process.env);

await import('../dist/cli/main.js');
