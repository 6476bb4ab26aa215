import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { secureLimitDefaults } from '../../src/protection/limits-from-env.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { defaultLimitsTenant } from '../../src/store/limits-store.ts';
import { generateMasterKey } from '../../src/vault/master-key.ts';
import { spawnKeel } from '../crash/worker-process.ts';

/*
 * `keel start`'s secure defaults, as an operator meets them: it refuses a config that uses the
 * vault without a master key, and it starts with limits on unless told otherwise.
 */

const directory = mkdtempSync(join(tmpdir(), 'keel-start-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const vaultConfig = fileURLToPath(new URL('./fixture/keel.config.ts', import.meta.url));

it('refuses to start a config that uses the vault without KEEL_MASTER_KEY, naming what needs it', async () => {
  const start = spawnKeel({ KEEL_DATABASE_URL: `sqlite:${join(directory, 'refused.db')}`, KEEL_PORT: '0', KEEL_MASTER_KEY: '' }, [
    'start',
    '--config',
    vaultConfig,
  ]);
  expect(await start.exited).toBe(1);
  expect(start.output()).toContain(
    'error MASTER_KEY_MISSING: KEEL_MASTER_KEY is not set, and the config uses the vault (tools orders declare credentials; OAuth providers shop are configured)',
  );
});

it('starts with per-user and tenant limits on by default, and turns one off with "none"', { timeout: 60_000 }, async () => {
  const path = join(directory, 'keel.db');
  const start = spawnKeel(
    { KEEL_DATABASE_URL: `sqlite:${path}`, KEEL_PORT: '0', KEEL_MASTER_KEY: generateMasterKey(), KEEL_LOG_LEVEL: 'info', KEEL_USER_TOKENS_PER_HOUR: 'none' },
    ['start', '--config', vaultConfig],
  );
  while (!start.output().includes('"listening"')) {
    if ((await Promise.race([start.exited, new Promise((resolve) => setTimeout(resolve, 20, 'running'))])) !== 'running') throw new Error(start.output());
  }
  const store = createSqliteStore({ path });
  expect(await store.getTenantLimits(defaultLimitsTenant)).toEqual({ ...secureLimitDefaults, userTokens: null });
  expect(await store.getTenantLimits('any-tenant')).toMatchObject({ maxConcurrentRuns: 50, userRequests: { limit: 120, windowMs: 60_000 } });
  await store.close();
  start.child.kill('SIGTERM');
  expect(await start.exited).toBe(0);
});

it('refuses a KEEL_AUDIT_RETENTION_DAYS that is not a whole number of days, before serving', async () => {
  const start = spawnKeel({ KEEL_DATABASE_URL: `sqlite:${join(directory, 'retention.db')}`, KEEL_PORT: '0', KEEL_AUDIT_RETENTION_DAYS: '30d' }, [
    'start',
    '--config',
    vaultConfig,
  ]);
  expect(await start.exited).toBe(1);
  expect(start.output()).toContain('error CONFIG_INVALID: KEEL_AUDIT_RETENTION_DAYS must be a whole number of days, 1 or more (got "30d")');
});
