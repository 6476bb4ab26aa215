// Compiles src/ to dist/ for publishing: `npm run build`, and npm's `prepare` (before `npm pack`
// and `npm publish`, and when Keel is installed from a git URL or a directory). Plain JavaScript
// so it runs on whatever Node.js the installing npm runs on.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write(
    `Building Keel needs its development dependencies, and ${root} has none installed.\n` +
      `Run \`npm install\` there first: installing Keel from a directory links the folder and uses its node_modules.\n`,
  );
  process.exit(1);
}

// A clean build: a file removed from src/ (or no longer reachable from an entry point) must not
// linger in dist/ and ship.
rmSync(join(root, 'dist'), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
// The dashboard's stylesheet and scripts are served from next to its compiled modules.
cpSync(join(root, 'src', 'dashboard', 'assets'), join(root, 'dist', 'dashboard', 'assets'), { recursive: true });
