import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const fixture = join(root, 'test/fixtures/layering');
const depcruise = join(root, 'node_modules/.bin/depcruise');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Runs the project's dependency lint over a tree the way `npm run lint` runs it over `src/` (its JSON report of the real tree is past execFile's default 1 MiB). */
async function cruise(cwd: string): Promise<Violation[]> {
  const { stdout } = await run(depcruise, ['src', '--config', join(root, '.dependency-cruiser.mjs'), '--output-type', 'json'], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((failure: { stdout?: string }) => ({ stdout: failure.stdout ?? '' }));
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('the dependency lint', () => {
  it('fails when an engine file imports an adapter, a provider, the server or the environment readers, when a detector or the vault imports the engine, when the logger or tracing reach above their layer, and when types form a cycle', async () => {
    const violations = await cruise(fixture);
    const found = violations.map((violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`).sort();
    expect(found).toEqual([
      'engine-knows-ports-only: src/engine/imports-adapter.ts → src/store/sqlite/sqlite-store.ts',
      'engine-knows-ports-only: src/engine/imports-env-readers.ts → src/keel-env.ts',
      'engine-knows-ports-only: src/engine/imports-provider.ts → src/gateway/ai-sdk/adapter.ts',
      'engine-knows-ports-only: src/engine/imports-server.ts → src/server/app.ts',
      'guardrail-detectors-standalone: src/guardrails/detectors/imports-engine.ts → src/engine/uses-port.ts',
      'no-cycles: src/journal/cycle-a.ts → src/journal/cycle-b.ts',
      'observability-above-engine: src/telemetry/tracing/imports-adapter.ts → src/store/sqlite/sqlite-store.ts',
      'telemetry-below-engine: src/telemetry/logger.ts → src/server/app.ts',
      'vault-knows-store-port-only: src/vault/imports-engine.ts → src/engine/uses-port.ts',
    ]);
  });

  it('passes on the real source tree', async () => {
    expect(await cruise(root)).toEqual([]);
  });

  it('fails when an engine file reads process.env', async () => {
    const eslint = new ESLint({ cwd: root, ignore: false });
    const [readsEnv, usesPort] = await eslint.lintFiles([join(fixture, 'src/engine/reads-env.ts'), join(fixture, 'src/engine/uses-port.ts')]);
    expect(readsEnv?.messages.map((message) => message.ruleId)).toEqual(['no-restricted-globals']);
    expect(usesPort?.messages).toEqual([]);
  });
});
